"""Choosing a document's title: junk candidates (tool left-overs, file names, dates) are passed over."""

import pytest

from indexer.documents.titles import choose_title, clean_title, is_plausible_title, readable_name

JUNK = [
    "",
    "   ",
    "Microsoft Word - LFS 2010 Report.doc",
    "Microsoft PowerPoint - Regional briefing.pptx",
    "Microsoft Word - Final draft",
    "LFS 2010 Report.doc",
    "annual_report_final.docx",
    "cover.indd",
    "layout v3.qxd",
    "wcms_422401",
    "GLOTIP2024_Chapter_2",
    "final_version",
    "Untitled",
    "untitled document",
    "Title",
    "Document",
    "Document1",
    "Slide 1",
    "PowerPoint Presentation",
    "September 18, 2019",
    "18 September 2019",
    "2019-09-18",
    "8.15.2023",
    "June 2014",
    "Sept. 2020",
    "2019",
    "2020/167",
    "...",
    "Ab",
    "UN",
    "ILO",
    "x" * 301,
    "%%% 123 ### 45 @@",
]

PLAUSIBLE = [
    "Duck",
    "KILM 3",
    "Report on the Liberia Labour Force Survey 2010",
    "THE FEDERAL DEMOCRATIC REPUBLIC OF ETHIOPIA",
    "Combating Child Sex Trafficking: A Guide for Law Enforcement Leaders",
    "WIDER Working Paper 2020/167-Evolution of wage inequality in India (1983–2017)",
    "Chapter 4 Acquiring development data",
    "Hotline Trends 2023",
    "In Harm’s Way",
]


@pytest.mark.parametrize("candidate", JUNK)
def test_junk_is_not_a_title(candidate: str) -> None:
    assert not is_plausible_title(candidate, "report.pdf")


@pytest.mark.parametrize("candidate", PLAUSIBLE)
def test_real_titles_are_plausible(candidate: str) -> None:
    assert is_plausible_title(candidate, "report.pdf")


def test_a_machine_made_file_name_made_readable_is_junk_as_a_candidate() -> None:
    assert not is_plausible_title("GLOTIP2024 Chapter 2", "GLOTIP2024_Chapter_2.pdf")
    assert not is_plausible_title("Labour force survey report", "Labour_Force_Survey_Report.pdf")
    assert not is_plausible_title("WP2020 167", "wp2020-167.pdf")
    # a file named after its title in plain words may carry that title
    assert is_plausible_title("Technical Design of the Kenya Survey", "Technical-Design-of-the-Kenya-Survey.docx")


def test_the_first_plausible_candidate_wins() -> None:
    candidates = ["Microsoft Word - LFS 2010 Report.doc", "Report on the Liberia Labour Force Survey 2010", "Other"]
    assert choose_title(candidates, "Labour_Force_Survey_Report_LISGIS.pdf") == candidates[1]


def test_without_a_plausible_candidate_the_file_name_is_made_readable() -> None:
    assert choose_title(["untitled", "June 2014"], "mieux-asia_labour--migration.txt") == "Mieux asia labour migration"
    assert choose_title([], "sub/report_2019.pdf") == "Report 2019"
    assert readable_name("Report A.txt") == "Report A"


def test_candidates_are_cleaned_and_all_caps_kept_as_printed() -> None:
    assert clean_title("  \u201cMigration   in\nAsia.\u201d ") == "Migration in Asia"
    assert clean_title("\ufb01sheries report") == "fisheries report"  # NFKC: the ligature as two letters
    assert choose_title(["THE FFEDERAL DEMOCRATIC REPUBLIC OF ETHIOPA"], "x.pdf") == (
        "THE FFEDERAL DEMOCRATIC REPUBLIC OF ETHIOPA"
    )
    assert choose_title(["Migration (1983–2017)"], "x.pdf") == "Migration (1983–2017)"  # a closing bracket stays
