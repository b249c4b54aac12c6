"""What a reader returns: the document's structure and the titles it found, best first."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.documents.structure import Structure


@dataclass(frozen=True)
class Read:
    """What a reader found in a file.

    `titles` are the candidates the file itself offers, best first (metadata, then what is printed
    largest on the first page, the first heading...); `indexer.documents.titles` chooses among them.
    `unreadable_pages` are the 1-based pages whose text came out mostly unreadable (fonts without a
    Unicode mapping): the document is indexed, with a warning.
    """

    structure: Structure
    titles: tuple[str, ...] = ()
    unreadable_pages: tuple[int, ...] = ()
