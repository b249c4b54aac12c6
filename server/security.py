"""Who may do what: search keys, the admin key, and signed links to the source view.

- Search endpoints are open while `ASKREPORT_SEARCH_KEYS` is empty; once it lists keys, they
  need one of them (or the admin key) as `Authorization: Bearer <key>`.
- Admin endpoints need the admin key (`ASKREPORT_ADMIN_KEY`); unset, they are off (403). A
  search key there gets 403: it is known, but not allowed.
- A browser cannot send a bearer token when it follows a link, so while search keys are on,
  the `citation.url` of every answer carries a signature (`exp`, `sig`) for that one span,
  valid for `LINK_LIFETIME` seconds and bound to the document's content hash; the source view
  accepts it instead of a key, for that version of the document only.
Keys are compared in constant time and never logged. The checks here are plain functions of the
settings and the presented key; `server.deps` makes them FastAPI dependencies.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from enum import StrEnum

from fastapi import HTTPException, status

from server.settings import Settings

LINK_LIFETIME = 3600
CLOCK_SLACK = 60  # seconds a link's expiry may lie beyond LINK_LIFETIME (clocks of several workers)


class LinkKind(StrEnum):
    """What a signed link opens: a signature for one never opens the other."""

    VIEW = "view"  # the source view of one span
    FILE = "file"  # the original file


class Role(StrEnum):
    """What a request's key allows."""

    ANONYMOUS = "anonymous"
    SEARCH = "search"
    ADMIN = "admin"


def _matches(given: str, key: str) -> bool:
    return bool(key) and hmac.compare_digest(given.encode(), key.encode())


def role_of(settings: Settings, given: str | None) -> Role | None:
    """The role of a presented key; None for a key that is wrong (or ANONYMOUS when none was sent)."""
    if not given:
        return Role.ANONYMOUS
    if _matches(given, settings.admin_key):
        return Role.ADMIN
    # compare with every key, so the time taken does not tell which one (or whether any) matched
    if sum(_matches(given, key) for key in settings.search_key_list) > 0:
        return Role.SEARCH
    return None


def valid_key(settings: Settings, given: str | None) -> str | None:
    """The presented key if it is a search key or the admin key, else None (a wrong key counts as none)."""
    return given if role_of(settings, given) in (Role.SEARCH, Role.ADMIN) else None


def check_search(settings: Settings, given: str | None) -> Role:
    """Search routes: open without configured search keys, else a search or the admin key (401)."""
    role = role_of(settings, given)
    if not settings.search_key_list:
        return role or Role.ANONYMOUS
    if role in (Role.SEARCH, Role.ADMIN):
        return role
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="this server requires a search key: send 'Authorization: Bearer <key>' "
        "(ask the server's operator for one)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def check_admin_enabled(settings: Settings) -> None:
    """Admin routes are off (403) while no admin key is configured."""
    if not settings.admin_key:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="admin endpoints are disabled: set ASKREPORT_ADMIN_KEY on the server and send it "
            "as 'Authorization: Bearer <key>'",
        )


def check_admin(settings: Settings, given: str | None) -> None:
    """Admin routes need the admin key as a bearer token: a search key gets 403, anything else 401."""
    role = role_of(settings, given)
    if role is Role.ADMIN:
        return
    if role is Role.SEARCH:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="a search key cannot use admin endpoints: send the admin key"
        )
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="missing or wrong admin key: send 'Authorization: Bearer <ASKREPORT_ADMIN_KEY>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


# --- signed links to the source view -----------------------------------------------------------


def _signing_key(settings: Settings) -> bytes:
    """Derived from the configured keys: changing a key invalidates the links signed with it."""
    material = "\0".join(["askreport source links", settings.admin_key, *sorted(settings.search_key_list)])
    return hashlib.sha256(material.encode()).digest()


def _signature(
    settings: Settings,
    kind: LinkKind,
    document: str,
    content_hash: str,
    span: tuple[int | None, int | None],
    expires: int,
) -> str:
    # the content hash binds the link to this version of the document: a replaced one (or another
    # document that later takes the same id) does not open with it
    message = f"{kind}\0{document}\0{content_hash}\0{span[0]}\0{span[1]}\0{expires}".encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()[:32]


def link_signature(
    settings: Settings,
    document: str,
    content_hash: str,
    start: int,
    end: int,
    now: float | None = None,
) -> str:
    """`&exp=…&sig=…` for a source-view link to one span while search keys are on, else an empty string."""
    if not settings.search_key_list:
        return ""
    expires = int((now if now is not None else time.time()) + LINK_LIFETIME)
    return f"&exp={expires}&sig={_signature(settings, LinkKind.VIEW, document, content_hash, (start, end), expires)}"


def file_link_signature(settings: Settings, document: str, content_hash: str, expires: int | None = None) -> str:
    """`exp=…&sig=…` for a link to the original file while search keys are on, else an empty string.

    `expires` defaults to a full `LINK_LIFETIME` from now; a page opened with a signed link passes that
    link's expiry, so that following links never extends the access a link gives.
    """
    if not settings.search_key_list:
        return ""
    expires = expires if expires is not None else int(time.time() + LINK_LIFETIME)
    return f"exp={expires}&sig={_signature(settings, LinkKind.FILE, document, content_hash, (None, None), expires)}"


def _link_refused(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail)


def check_signed_link(
    settings: Settings,
    document_id: str,
    span: tuple[int | None, int | None],
    signed: tuple[int, str],
    served_hash: Callable[[], str | None],
    kind: LinkKind = LinkKind.VIEW,
) -> None:
    """401 unless the signature of `signed` (exp, sig) is for exactly this span of the served version of the
    document and `exp` is near; `served_hash` gives that version's content hash (None: no such document)."""
    exp, sig = signed
    now = time.time()
    if exp < now:
        raise _link_refused("this link has expired: search again to get a fresh one")
    if exp > now + LINK_LIFETIME + CLOCK_SLACK:
        raise _link_refused(
            f"this link's expiry is further ahead than a link lives ({LINK_LIFETIME} s): "
            "use a link from an answer, or search again to get a fresh one"
        )
    content_hash = served_hash()
    if content_hash is None:
        raise _link_refused("this link's document is not in the served index: search again to get a fresh link")
    expected = _signature(settings, kind, document_id, content_hash, span, exp)
    # bytes on both sides: compare_digest refuses a str with non-ASCII characters (TypeError, a 500)
    if not hmac.compare_digest(sig.encode(), expected.encode()):
        raise _link_refused(
            "this link's signature is not valid for this document and span; if the document was changed "
            "since the link was made, the link is stale: search again to get a fresh one"
        )
