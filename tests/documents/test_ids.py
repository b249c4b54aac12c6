"""Document ids derived from a file's path alone (issue 11: L7)."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

import pytest

from indexer import load_corpus
from indexer.documents.ids import document_id, unique_ids

HASHED = r"_[0-9a-f]{8}"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("mieux-asia-labour-migration-and-thb.txt", "mieux-asia-labour-migration-and-thb.txt"),
        ("reports/annual-2023.pdf", "reports--annual-2023.pdf"),
        ("a/b/c.md", "a--b--c.md"),
        ("отчёт.txt", "отчёт.txt"),
        ("文件.md", "文件.md"),
    ],
)
def test_a_plain_path_is_its_own_id_with_folders_as_double_hyphens(path: str, expected: str) -> None:
    assert document_id(PurePath(path)) == expected


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("A b.txt", "a-b"),
        ("a--b.txt", "a-b"),  # not `a/b.txt`: a plain segment never holds `--`
        ("a.b.txt", "a-b"),
        ("-a.txt", "a"),
        ("notes.TXT", "notes"),
        ("доклад 2024.txt", "доклад-2024"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "document"),
    ],
)
def test_any_other_path_gets_its_slug_and_a_hash_of_the_exact_path(path: str, slug: str) -> None:
    value = document_id(PurePath(path))
    assert re.fullmatch(re.escape(slug) + HASHED, value), value
    assert "/" not in value and ".." not in value


def test_ids_are_one_to_one_with_paths() -> None:
    paths = [PurePath(p) for p in ("a-b.txt", "a-b.md", "a/b.txt", "a--b.txt", "A-b.txt", "a_b.txt", "a-b")]
    ids = unique_ids(paths)
    assert len(set(ids.values())) == len(paths)
    assert ids == {path: document_id(path) for path in paths}


def test_ids_of_existing_files_survive_added_colliding_names(tmp_path: Path) -> None:
    (tmp_path / "a-b.txt").write_text("The first document.")
    (tmp_path / "mieux-asia-labour-migration-and-thb.txt").write_text("The report.")
    (tmp_path / "Report 2019.md").write_text("# Report\n\nA report from 2019.")
    before = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert before["a-b.txt"] == "a-b.txt"
    assert before["mieux-asia-labour-migration-and-thb.txt"] == "mieux-asia-labour-migration-and-thb.txt"
    assert re.fullmatch("report-2019" + HASHED, before["Report 2019.md"])
    (tmp_path / "a").mkdir()
    added = ("a-b.md", "a/b.txt", "A b.md", "a_b.txt", "A B.txt", "a b.html", "report-2019.md", "Report_2019.txt")
    for name in added:
        (tmp_path / name).write_text(f"Collides with an existing id: {name}.")
    after = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert {source: after[source] for source in before} == before
    assert (
        after["a-b.md"] == "a-b.md" and after["a/b.txt"] == "a--b.txt" and after["report-2019.md"] == "report-2019.md"
    )
    assert len(set(after.values())) == len(after) == len(before) + len(added)
    assert all(value == document_id(PurePath(source)) for source, value in after.items())


def test_non_latin_names_get_distinct_readable_ids(tmp_path: Path) -> None:
    names = ["отчёт.txt", "доклад 2024.txt", "文件.md", "报告.md", "تقرير.txt"]
    for name in names:
        (tmp_path / name).write_text(f"A document named {name}.")
    ids = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert len(set(ids.values())) == len(names)
    assert ids["отчёт.txt"] == "отчёт.txt" and ids["文件.md"] == "文件.md" and ids["تقرير.txt"] == "تقرير.txt"
    assert ids["доклад 2024.txt"].startswith("доклад-2024_")
