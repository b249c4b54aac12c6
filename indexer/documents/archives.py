"""Budgets for ZIP-based formats (DOCX), checked from the central directory before any parser opens a member.

A ZIP member says how large it becomes; a member that expands far beyond what documents need, or far
more than text compresses, is a zip bomb, and the file is refused without decompressing anything.
"""

from __future__ import annotations

import io
import zipfile

from indexer.errors import UnreadableFileError

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100  # XML text compresses 5-20x; a member expanding more than this is built to expand
RATIO_FROM_BYTES = 1024 * 1024  # small members may compress better harmlessly


def check_zip(data: bytes, kind: str = "DOCX") -> None:
    """Refuse an archive whose members expand beyond the budget (UnreadableFileError with the reason)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableFileError(f"not a readable {kind} ({type(exc).__name__}: {exc})") from exc
    if len(members) > MAX_MEMBERS:
        raise UnreadableFileError(
            f"the {kind} holds {len(members):,} archive members, over the {MAX_MEMBERS:,} allowed: it looks "
            "like a zip bomb; re-save it from its editor"
        )
    total = 0
    for member in members:
        _check_member(member, kind)
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise UnreadableFileError(
            f"the {kind} would expand to {total / 2**20:,.1f} MB, over the {MAX_TOTAL_BYTES // 2**20} MB "
            "allowed: it looks like a zip bomb; re-save it from its editor or split it"
        )


def _check_member(member: zipfile.ZipInfo, kind: str) -> None:
    name = member.filename.encode("unicode_escape").decode("ascii")
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
        raise UnreadableFileError(
            f"the {kind}'s part {name} expands {ratio:,.0f} times ({member.compress_size / 2**20:,.1f} MB to "
            f"{member.file_size / 2**20:,.0f} MB; documents compress at most {MAX_RATIO} times): it looks "
            "like a zip bomb; re-save it from its editor"
        )
    if member.file_size > MAX_MEMBER_BYTES:
        raise UnreadableFileError(
            f"the {kind}'s part {name} would expand to {member.file_size / 2**20:,.1f} MB, over the "
            f"{MAX_MEMBER_BYTES // 2**20} MB allowed: it looks like a zip bomb; re-save it from its editor or split it"
        )
