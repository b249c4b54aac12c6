"""Line-level clean-up: display markup out, whitespace normalised, footnote markers kept.

Only markup that changes how text looks is removed (bold, italics, inline HTML
formatting tags, link targets). Anything else that looks like HTML stays as text:
the server always renders passages as text, never as markup.
"""

from __future__ import annotations

import re

_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_BOLD = re.compile(r"(\*\*)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
_FORMAT_TAG = re.compile(r"</?(?:i|b|em|strong|u|s|sup|sub|span|small|mark|font)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_SPACES = re.compile(r"[^\S\t\n]+")
_TAB_RUN = re.compile(r"[^\S\n]*\t\s*")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def clean_line(line: str) -> str:
    """Remove display markup from one line and normalise its whitespace.

    Runs of spaces become one space; a run of whitespace holding a tab becomes
    one tab (it separates table cells).
    """
    text = _IMAGE_OR_LINK.sub(r"\1", line)
    text = _FORMAT_TAG.sub("", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _TAB_RUN.sub("\t", text)
    text = _SPACES.sub(" ", text)
    return text.strip(" \t")


def markdown_heading(line: str) -> tuple[int, str] | None:
    """Return (level, title) when the raw line is an ATX markdown heading."""
    match = _MD_HEADING.match(line.strip())
    if match is None or not match.group(2):
        return None
    return len(match.group(1)), match.group(2)


def split_paragraphs(raw: str) -> list[list[str]]:
    """Split raw text into paragraphs (lists of raw lines) at blank lines."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs
