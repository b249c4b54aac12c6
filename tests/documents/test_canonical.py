import pytest

from indexer.documents.canonical import clean_line, markdown_heading, split_paragraphs


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("the **first region of destination** for", "the first region of destination for"),
        ("<i>Objective</i>\tManaging labour", "Objective\tManaging labour"),
        ("Report [International Migration Report 2017](#)", "Report International Migration Report 2017"),
        ("received \\(% of GDP\\)", "received (% of GDP)"),
        ("the ILO *Multilateral Framework*, it", "the ILO Multilateral Framework, it"),
        ("in the world.\u00b9", "in the world.\u00b9"),
        ("  a   b \t  c  ", "a b\tc"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("\u00a0", ""),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_markdown_heading() -> None:
    assert markdown_heading("## Results ##") == (2, "Results")
    assert markdown_heading("#hashtag") is None
    assert markdown_heading("Plain line") is None


def test_split_paragraphs_handles_crlf_and_blank_runs() -> None:
    raw = "one\r\ntwo\r\n\r\n\r\n\r\nthree\n \nfour"
    assert split_paragraphs(raw) == [["one", "two"], ["three"], ["four"]]
