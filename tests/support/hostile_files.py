"""Builders of hostile files for the tests: DOCX zip bombs and PDFs that loop or take long to read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def zip_bomb(path: Path, megabytes: int, paragraphs: bool = False) -> None:
    """A DOCX whose word/document.xml expands to `megabytes` MB (about 1/300 to 1/1000 on disk): one text
    run of "A", or the same short paragraph over and over (what parses into the largest tree)."""
    para = b"<w:p><w:r><w:t>word word word word.</w:t></w:r></w:p>" * 1000
    block = para * ((1 << 20) // len(para)) if paragraphs else b"A" * (1 << 20)
    text = b"" if paragraphs else b"<w:p><w:r><w:t>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document {W}><w:body>'.encode() + text)
            for _ in range(megabytes):
                f.write(block)
            f.write((b"" if paragraphs else b"</w:t></w:r></w:p>") + b"</w:body></w:document>")


def pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF with a correct cross-reference table holding `objects` (number -> body)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = out.tell()
        out.write(f"{n} 0 obj\n".encode() + objects[n] + b"\nendobj\n")
    xref, size = out.tell(), max(objects) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for n in range(1, size):
        out.write(f"{offsets[n]:010d} 00000 n \n".encode() if n in offsets else b"0000000000 65535 f \n")
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def self_referencing_pdf() -> bytes:
    """The audit's 450-byte PDF whose page resources and contents refer to themselves."""
    return pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 4 0 R /Contents 5 0 R >>",
            4: b"4 0 R",
            5: b"5 0 R",
        }
    )


def many_pages_pdf(pages: int) -> bytes:
    """A valid PDF of `pages` pages that share one content stream: slow to read, small on disk."""
    text = b"BT /F1 12 Tf 72 720 Td (Page text about migration and remittances.) Tj ET"
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: f"<< /Length {len(text)} >>\nstream\n".encode() + text + b"\nendstream",
    }
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects[2] = f"<< /Type /Pages /Count {pages} /Kids [{kids}] >>".encode()
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    page += b"/Contents 4 0 R >>"
    objects.update({5 + i: page for i in range(pages)})
    return pdf(objects)


def many_text_pages_pdf(pages: int, lines: int = 40) -> bytes:
    """A valid PDF of `pages` pages of their own text (a few seconds of layout analysis for 1,500 pages)."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i in range(pages):
        body = b" ".join(
            b"BT /F1 10 Tf 72 %d Td (Line %d of page %d about migration and remittances in Asia.) Tj ET"
            % (740 - 14 * j, j, i)
            for j in range(lines)
        )
        content, page = 4 + 2 * i, 5 + 2 * i
        objects[content] = b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content
        )
        kids.append(b"%d 0 R" % page)
    objects[2] = b"<< /Type /Pages /Count %d /Kids [" % pages + b" ".join(kids) + b"] >>"
    return pdf(objects)
