"""Choose a document's title among what the file offers, else its name made readable.

Metadata titles are often left-overs of the tool that made the file ("Microsoft Word - LFS 2010
Report.doc", "untitled", "wcms_422401"), and what is printed largest on a cover can be a date: such
candidates are junk and the next one is tried.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePath

__all__ = ["choose_title", "clean_title", "is_plausible_title", "readable_name"]

MAX_TITLE_CHARS = 300
_SPACE = re.compile(r"\s+")
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u2039\u203a`"
_EDGE_PUNCT = ".,;:|/\\-\u2013\u2014\u00b7\u2022*#_~" + _QUOTES
_FILE_SUFFIX = re.compile(
    r"\.(?:docx?|dotx?|rtf|odt|pdf|txt|md|html?|indd|idml|qxd|qxp|pub|pptx?|xlsx?|csv|eps|ai|psd|tiff?|jpe?g|png)$",
    re.IGNORECASE,
)
_APP_PREFIX = re.compile(r"^(?:microsoft\s+(?:word|powerpoint|excel)|word|powerpoint|adobe\s+\w+)\s+-\s", re.IGNORECASE)
_PLACEHOLDERS = frozenset(
    {
        "untitled",
        "untitled document",
        "no title",
        "title",
        "document",
        "new document",
        "presentation",
        "powerpoint presentation",
        "slide 1",
        "draft",
        "template",
        "report",
        "cover",
        "front cover",
    }
)
_PLACEHOLDER_NUMBERED = re.compile(r"^(?:document|untitled|presentation|book|slide)\s*\d+$", re.IGNORECASE)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"^{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}$",  # September 18, 2019
        rf"^\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}$",  # 18 September 2019
        rf"^{_MONTHS},?\s+\d{{4}}$",  # June 2014
        rf"^(?:{_MONTHS}\s*[-/\u2013]\s*)?{_MONTHS}\s+\d{{4}}$",  # June-July 2014
    )
)
_GLUED = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z\d]{4,}$", re.IGNORECASE)  # GLOTIP2024, wp2020
_CODE_LIKE = re.compile(r"^[A-Za-z]{1,12}[-_]?\d[\w.-]*$")  # wcms_422401, ILO-2019-07, doc1234


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def clean_title(text: str) -> str:
    """Whitespace, compatibility characters and surrounding quotes or punctuation normalised away."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return text.strip(_EDGE_PUNCT + " ")


def _file_like(text: str, stem: str) -> bool:
    if _FILE_SUFFIX.search(text) or _CODE_LIKE.match(text):
        return True
    if "_" in text and " " not in text:
        return True
    # the file's own name: junk when that name is machine-made (underscores, a code such as GLOTIP2024);
    # a file named after its title in words ("Technical-Design-of-the-...") may well carry it
    machine_made = "_" in stem or any(_GLUED.match(word) for word in re.split(r"[\W_]+", stem))
    return bool(stem) and machine_made and _fold(text) == _fold(stem)


def _placeholder(text: str) -> bool:
    folded = _fold(text)
    return folded in _PLACEHOLDERS or bool(_PLACEHOLDER_NUMBERED.match(folded)) or bool(_APP_PREFIX.match(text))


def _date_or_number(text: str) -> bool:
    if not any(c.isalpha() for c in text):
        return True  # only digits and punctuation: 2019-09-18, 8.15.2023, 2019/167
    return any(pattern.match(text) for pattern in _DATES)


def _bad_length(text: str) -> bool:
    if len(text) < 3 or len(text) > MAX_TITLE_CHARS:
        return True
    words = text.split()
    return len(words) == 1 and sum(c.isalpha() for c in text) <= 3


def _mostly_non_letters(text: str) -> bool:
    visible = [c for c in text if not c.isspace()]
    return sum(c.isalnum() for c in visible) * 2 < len(visible) or sum(c.isalpha() for c in visible) * 4 < len(visible)


def is_plausible_title(text: str, file_name: str = "") -> bool:
    """Whether `text` (as `clean_title` leaves it) can be a document's title.

    Junk: empty, a file name or code ("LFS 2010 Report.doc", "wcms_422401", the file's own machine-made
    name, "GLOTIP2024 Chapter 2" for GLOTIP2024_Chapter_2.pdf), a
    tool's placeholder ("Microsoft Word - ...", "untitled", "Slide 1"), a date or number only, under 3
    characters or one word of up to 3 letters, over 300 characters, or mostly neither letters nor digits.
    """
    cleaned = clean_title(text)
    if not cleaned:
        return False
    stem = PurePath(file_name).stem if file_name else ""
    return not (
        _bad_length(cleaned)
        or _placeholder(cleaned)
        or _file_like(cleaned, stem)
        or _date_or_number(cleaned)
        or _mostly_non_letters(cleaned)
    )


def readable_name(file_name: str) -> str:
    """A file name as a title: the stem with dashes and underscores as spaces, first letter upper case."""
    path = PurePath(file_name)
    words = " ".join(re.sub(r"[-_]+", " ", path.stem).split()) or path.name.strip()
    return words[:1].upper() + words[1:]


def choose_title(candidates: Sequence[str], file_name: str) -> str:
    """The first plausible candidate, cleaned (an ALL CAPS title stays as printed), else the readable file name."""
    for candidate in candidates:
        if is_plausible_title(candidate, file_name):
            return clean_title(candidate)
    return readable_name(file_name)
