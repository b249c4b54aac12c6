"""Line-level clean-up: display markup out, whitespace normalised, footnote markers kept.

Only markup that changes how text looks is removed (bold, italics, inline HTML
formatting tags, link targets). Anything else that looks like HTML stays as text:
the server always renders passages as text, never as markup.

Each step is linear in the length of the line: links, bold and heading markers are found by
scanning forward, never by patterns that re-try every start of a long line (a heading line
with a few thousand spaces once took minutes).
"""

from __future__ import annotations

import re

_LABEL_END = re.compile(r"[\]\n]")
_TARGET_END = re.compile(r"[)\n]")
_BOLD_OPEN = re.compile(r"\*\*(?=\S)")
_BOLD_CLOSE = re.compile(r"(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
_FORMAT_TAG = re.compile(r"</?(?:i|b|em|strong|u|s|sup|sub|span|small|mark|font)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_SPACES = re.compile(r"[^\S\t\n]+")
_TAB_RUN = re.compile(r"(?<![^\S\n\t])[^\S\n\t]*+\t\s*")  # starts only where a run of spaces starts
_MD_HEADING = re.compile(r"(#{1,6})\s+")


def clean_line(line: str) -> str:
    """Remove display markup from one line and normalise its whitespace.

    Runs of spaces become one space; a run of whitespace holding a tab becomes
    one tab (it separates table cells).
    """
    text = _drop_link_targets(line)
    text = _FORMAT_TAG.sub("", text)
    text = _unbold(text)
    text = _ITALIC.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _TAB_RUN.sub("\t", text)
    text = _SPACES.sub(" ", text)
    return text.strip(" \t")


def _drop_link_targets(text: str) -> str:
    """`[label](target)` and `![label](target)` become `label` (neither part crosses a line break).

    One forward scan: when a candidate fails, every `[` before the character that ended it would
    fail the same way, so the scan goes on after that character.
    """
    out: list[str] = []
    done = search = 0
    while (p := text.find("[", search)) >= 0:
        q = _LABEL_END.search(text, p + 1)
        if q is None:
            break
        search = q.end()
        if text[q.start()] != "]" or text[search : search + 1] != "(":
            continue
        r = _TARGET_END.search(text, search + 1)
        if r is None:
            break
        search = r.end()
        if text[r.start()] != ")":
            continue
        start = p - 1 if p > done and text[p - 1] == "!" else p
        out += (text[done:start], text[p + 1 : q.start()])
        done = search
    return "".join(out) + text[done:]


def _unbold(text: str) -> str:
    """`**text**` becomes `text`: the first closing `**` after non-space on the same line ends it.

    An opening `**` with no closing one before the line break cannot be followed, on that line, by
    one that has: the scan goes on after the break.
    """
    out: list[str] = []
    done = search = 0
    while (opening := _BOLD_OPEN.search(text, search)) is not None:
        x = opening.start()
        line_end = text.find("\n", x)
        line_end = len(text) if line_end < 0 else line_end
        closing = _BOLD_CLOSE.search(text, x + 3, line_end)
        if closing is None:
            search = line_end + 1
            continue
        out += (text[done:x], text[x + 2 : closing.start()])
        done = search = closing.end()
    return "".join(out) + text[done:]


def markdown_heading(line: str) -> tuple[int, str] | None:
    """Return (level, title) when the raw line is an ATX markdown heading (closing `#`s dropped)."""
    text = line.strip()
    match = _MD_HEADING.match(text)
    if match is None:
        return None
    title = text[match.end() :].rstrip().rstrip("#").rstrip()
    if not title or "\n" in title:
        return None
    return len(match.group(1)), title


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
