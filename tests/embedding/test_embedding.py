from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from indexer import ModelLoadError, SentenceTransformerEmbedder


def test_concurrent_encoding_is_serialised(embedder: SentenceTransformerEmbedder) -> None:
    texts = [f"question number {i} about labour migration in Asia" for i in range(24)]
    expected = embedder.embed(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        rows = list(pool.map(lambda t: embedder.embed([t])[0], texts))
        counts = list(pool.map(embedder.count_tokens, texts))
    assert np.allclose(np.stack(rows), expected, atol=1e-5)
    assert counts == [embedder.count_tokens(t) for t in texts]


def test_bundled_model_is_named_and_sized(embedder: SentenceTransformerEmbedder) -> None:
    assert (embedder.name, embedder.dim, embedder.max_tokens) == ("all-MiniLM-L6-v2", 384, 256)


def test_model_path_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="ASKREPORT_MODEL"):
        SentenceTransformerEmbedder(tmp_path)


def test_bundled_model_by_path_keeps_its_name() -> None:
    from indexer import BUNDLED_MODEL_NAME, bundled_model_path
    from indexer.embedding.model import model_name

    assert model_name(bundled_model_path()) == BUNDLED_MODEL_NAME


def test_other_model_folders_are_told_apart(tmp_path: Path) -> None:
    from indexer.embedding.model import model_name

    for name, size in (("a", 10), ("b", 20)):
        folder = tmp_path / name / "model"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text('{"hidden_size": 384}')
        (folder / "model.safetensors").write_bytes(b"0" * size)
    first, second = model_name(tmp_path / "a" / "model"), model_name(tmp_path / "b" / "model")
    assert first.startswith("model-") and second.startswith("model-") and first != second
