"""Incremental builds with the real model: only changed passages are embedded."""

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexer import (
    BuildInProgressError,
    SentenceTransformerEmbedder,
    build_index,
    build_lock,
    current_name,
    open_current,
    search,
)
from indexer.index.generations import generation_names
from tests.support.data import CORPUS
from tests.support.fakes import HashingEmbedder


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


NOTES = {
    "alpha.md": "# Alpha\n\nSeasonal workers from Tajikistan travel to Russia for construction jobs.",
    "beta.md": "# Beta\n\nThe shelter in Chiang Mai assists victims of trafficking with legal aid.",
    "gamma.md": "# Gamma\n\nFishing crews in the Gulf of Thailand are inspected at port.",
}


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(CORPUS / "mieux-asia-labour-migration-and-thb.txt", root)
    for name, text in NOTES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def counting(embedder: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def test_editing_one_document_embeds_only_its_chunks(corpus: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    index = tmp_path / "index"
    first = build_index(corpus, index, counting)
    assert first.embedded == first.chunks == len(counting.texts) and first.full_reason
    counting.texts.clear()

    (corpus / "beta.md").write_text("# Beta\n\nThe shelter in Chiang Mai now also runs a hotline for migrants.")
    second = build_index(corpus, index, counting)
    assert second.full_reason is None
    assert second.embedded == len(counting.texts) == 1
    assert "hotline" in counting.texts[0]
    assert second.reused == second.chunks - 1 and second.removed == 1

    generation = open_current(index, counting.name, counting.dim)
    top = search(generation, counting, "Is there a hotline for migrants?", 1)[0]
    assert "hotline" in top.text and top.citation.document == "beta.md"


def test_deleted_document_never_appears_again(corpus: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, counting)
    (corpus / "gamma.md").unlink()
    summary = build_index(corpus, index, counting)
    assert summary.documents == 3 and summary.removed == 1 and summary.embedded == 0
    generation = open_current(index, counting.name, counting.dim)
    assert "gamma.md" not in {d.id for d in generation.manifest.documents}
    hits = search(generation, counting, "Fishing crews in the Gulf of Thailand inspected at port", 50)
    assert all(h.citation.document != "gamma.md" for h in hits)


def test_unchanged_corpus_embeds_nothing(corpus: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    build_index(corpus, tmp_path / "index", counting)
    counting.texts.clear()
    summary = build_index(corpus, tmp_path / "index", counting)
    assert (summary.embedded, summary.removed, len(counting.texts)) == (0, 0, 0)
    assert summary.reused == summary.chunks


def test_full_and_model_change_rebuild_everything(corpus: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, HashingEmbedder())
    changed = build_index(corpus, index, counting)
    assert changed.full_reason == "the model changed from hashing-test-embedder to all-MiniLM-L6-v2"
    assert changed.embedded == changed.chunks
    forced = build_index(corpus, index, counting, full=True)
    assert forced.full_reason == "a full rebuild was requested" and forced.reused == 0


def test_reused_vectors_equal_fresh_ones(corpus: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    build_index(corpus, tmp_path / "a", counting)
    (corpus / "alpha.md").write_text(NOTES["alpha.md"] + "\n\nA new closing paragraph about wages.")
    build_index(corpus, tmp_path / "a", counting)
    build_index(corpus, tmp_path / "b", counting, full=True)
    incremental, fresh = open_current(tmp_path / "a"), open_current(tmp_path / "b")
    n = fresh.manifest.chunk_count
    assert incremental.manifest.chunk_count == n
    assert incremental.store.chunk_hashes() == fresh.store.chunk_hashes()
    ids = np.arange(n)
    assert np.allclose(incremental.vectors.rows(ids), fresh.vectors.rows(ids), atol=1e-5)


def test_keeps_three_generations_and_removes_orphans(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    fake = HashingEmbedder()
    names = [build_index(corpus, index, fake).generation for _ in range(2)]
    orphan = index / "generations" / ".staging-000099-dead"
    orphan.mkdir()
    (orphan / "vectors.npy").write_bytes(b"half written")
    names += [build_index(corpus, index, fake).generation for _ in range(3)]
    assert generation_names(index) == names[-3:]
    assert not orphan.exists()
    assert current_name(index) == names[-1]
    assert names == sorted(names)


def test_one_build_at_a_time(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    with build_lock(index), pytest.raises(BuildInProgressError, match="another build is running"):
        build_index(corpus, index, HashingEmbedder())


def test_rollback_skips_a_generation_that_was_never_current(corpus: Path, tmp_path: Path) -> None:
    from indexer.index.generations import point_current, previous_name

    index = tmp_path / "index"
    fake = HashingEmbedder()
    first = build_index(corpus, index, fake).generation
    second = build_index(corpus, index, fake).generation
    point_current(index, first)  # as if the second build died after renaming, before switching CURRENT
    (index / "generations" / second / "PUBLISHED").unlink()
    third = build_index(corpus, index, fake).generation
    assert previous_name(index) == first
    assert current_name(index) == third


def test_same_bytes_read_differently_are_chunked_again(
    corpus: Path, tmp_path: Path, counting: CountingEmbedder
) -> None:
    index = tmp_path / "index"
    (corpus / "page.md").write_text("<h2>Shelters</h2><p>Shelters give legal aid to victims of trafficking.</p>")
    build_index(corpus, index, counting)
    (corpus / "page.md").rename(corpus / "page.html")  # same bytes, different reader (and id)
    summary = build_index(corpus, index, counting)
    assert summary.full_reason is None
    generation = open_current(index, counting.name, counting.dim)
    top = search(generation, counting, "legal aid in shelters", 1)[0]
    assert top.citation.document == "page.html" and top.text.startswith("Shelters\n\nShelters give legal aid")
    assert top.citation.section == ("Shelters",)


def test_headings_only_corpus_is_a_clear_error(tmp_path: Path) -> None:
    from indexer import EmptyCorpusError

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.md").write_text("# Only a heading\n")
    with pytest.raises(EmptyCorpusError, match="headings only"):
        build_index(corpus, tmp_path / "index", HashingEmbedder())
