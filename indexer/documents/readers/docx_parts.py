"""The parts of a DOCX the reader needs besides its body: paragraph styles, linked styles, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Style:
    name: str
    based_on: str | None
    outline: int | None  # 0-8 a heading level less one, 9 body text
    points: float | None
    numbered: bool


def val(element: Any, path: str) -> str | None:
    found = element.find(path)
    return None if found is None else found.get(W + "val")


def styles(document: Any) -> dict[str, Style]:
    styles: dict[str, Style] = {}
    for style in document.styles.element.iterchildren(W + "style"):
        if style.get(W + "type") != "paragraph" or not style.get(W + "styleId"):
            continue
        outline, size = val(style, f"{W}pPr/{W}outlineLvl"), val(style, f"{W}rPr/{W}sz")
        styles[style.get(W + "styleId")] = Style(
            (val(style, W + "name") or "").strip(),
            val(style, W + "basedOn"),
            int(outline) if outline and outline.isdigit() else None,
            int(size) / 2 if size and size.isdigit() else None,
            style.find(f"{W}pPr/{W}numPr") is not None,
        )
    return styles


@dataclass
class Notes:
    """The footnotes and endnotes of the document, numbered in the order the body refers to them."""

    bodies: dict[tuple[str, str], list[Any]]  # (kind, id) -> the note's paragraphs
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)

    def marker(self, kind: str, note_id: str) -> str:
        if (kind, note_id) not in self.bodies:
            return ""
        key = (kind, note_id)
        if key not in self.numbers:
            self.numbers[key] = sum(1 for k, _ in self.numbers if k == kind) + 1
        return str(self.numbers[key])


def notes(document: Any) -> Notes:
    from docx.oxml.parser import parse_xml  # python-docx's parser: no entities, no network

    bodies: dict[tuple[str, str], list[Any]] = {}
    for rel in document.part.rels.values():
        kind = rel.reltype.rsplit("/", 1)[-1]
        if rel.is_external or kind not in ("footnotes", "endnotes"):
            continue
        root = parse_xml(rel.target_part.blob)
        for note in root.iterchildren(W + kind[:-1]):
            if note.get(W + "type") in (None, "normal") and note.get(W + "id"):
                bodies[(kind, note.get(W + "id"))] = list(note.iterchildren(W + "p"))
    return Notes(bodies)


def linked_styles(document: Any) -> dict[str, str]:
    links: dict[str, str] = {}
    for style in document.styles.element.iterchildren(W + "style"):
        link = val(style, W + "link")
        if style.get(W + "type") == "character" and style.get(W + "styleId") and link:
            links[str(style.get(W + "styleId"))] = link
    return links


def default_style(document: Any) -> str | None:
    for style in document.styles.element.iterchildren(W + "style"):
        if style.get(W + "type") == "paragraph" and style.get(W + "default") in ("1", "true", "on"):
            return str(style.get(W + "styleId"))
    return None


def default_points(document: Any) -> float:
    size = val(document.styles.element, f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
    return int(size) / 2 if size and size.isdigit() else 11.0
