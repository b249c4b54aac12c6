"""Who may do what: search keys, the admin key, and signed links to the source view.

- Search endpoints are open while `ASKREPORT_SEARCH_KEYS` is empty; once it lists keys, they
  need one of them (or the admin key) as `Authorization: Bearer <key>`.
- Admin endpoints need the admin key (`ASKREPORT_ADMIN_KEY`); unset, they are off (403). A
  search key there gets 403: it is known, but not allowed.
- A browser cannot send a bearer token when it follows a link, so while search keys are on,
  the `citation.url` of every answer carries a signature (`exp`, `sig`) for that one span,
  valid for `LINK_LIFETIME` seconds and bound to the document's content hash; the source view
  accepts it instead of a key, for that version of the document only.
Keys are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.ratelimit import enforce, identity_of
from server.settings import Settings

LINK_LIFETIME = 3600
CLOCK_SLACK = 60  # seconds a link's expiry may lie beyond LINK_LIFETIME (clocks of several workers)
bearer = HTTPBearer(
    auto_error=False, description="A search key (ASKREPORT_SEARCH_KEYS) or the admin key (ASKREPORT_ADMIN_KEY)."
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


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


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_search(request: Request, credentials: Credentials) -> Role:
    """Search routes: open without configured search keys, else a search or the admin key."""
    settings = _settings(request)
    given = credentials.credentials if credentials else None
    role = role_of(settings, given)
    enforce(request, given if role in (Role.SEARCH, Role.ADMIN) else None)  # wrong keys count per address
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


def require_admin(request: Request, credentials: Credentials) -> None:
    """Admin routes need the admin key as a bearer token; without a configured key they are off."""
    settings = _settings(request)
    if not settings.admin_key:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="admin endpoints are disabled: set ASKREPORT_ADMIN_KEY on the server and send it "
            "as 'Authorization: Bearer <key>'",
        )
    given = credentials.credentials if credentials else None
    role = role_of(settings, given)
    enforce(request, given if role in (Role.SEARCH, Role.ADMIN) else None)
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


def client_identity(request: Request, credentials: Credentials) -> str:
    """Who is asking, for per-client quotas: a valid key's fingerprint, else the client's address."""
    given = credentials.credentials if credentials else None
    role = role_of(_settings(request), given)
    return identity_of(request, given if role in (Role.SEARCH, Role.ADMIN) else None)


SearchAccess = Depends(require_search)
AdminAccess = Depends(require_admin)


# --- signed links to the source view -----------------------------------------------------------


def _signing_key(settings: Settings) -> bytes:
    """Derived from the configured keys: changing a key invalidates the links signed with it."""
    material = "\0".join(["askreport source links", settings.admin_key, *sorted(settings.search_key_list)])
    return hashlib.sha256(material.encode()).digest()


def _signature(
    settings: Settings, document: str, content_hash: str, start: int | None, end: int | None, expires: int
) -> str:
    # the content hash binds the link to this version of the document: a replaced one (or another
    # document that later takes the same id) does not open with it
    message = f"{document}\0{content_hash}\0{start}\0{end}\0{expires}".encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()[:32]


def link_signature(
    settings: Settings, document: str, content_hash: str, start: int, end: int, now: float | None = None
) -> str:
    """`&exp=…&sig=…` for a source-view link while search keys are on, else an empty string."""
    if not settings.search_key_list:
        return ""
    expires = int((now if now is not None else time.time()) + LINK_LIFETIME)
    return f"&exp={expires}&sig={_signature(settings, document, content_hash, start, end, expires)}"


def _link_refused(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail)


def _served_hash(request: Request, document_id: str) -> str | None:
    """The content hash of the served document with this id; None when there is none."""
    generation = request.app.state.engine.generation()
    return next((d.content_hash for d in generation.manifest.documents if d.id == document_id), None)


def check_signed_link(
    request: Request, document_id: str, start: int | None, end: int | None, exp: int, sig: str
) -> None:
    """401 unless `sig` signs exactly this span of the served version of the document and `exp` is near."""
    now = time.time()
    if exp < now:
        raise _link_refused("this link has expired: search again to get a fresh one")
    if exp > now + LINK_LIFETIME + CLOCK_SLACK:
        raise _link_refused(
            f"this link's expiry is further ahead than a link lives ({LINK_LIFETIME} s): "
            "use a link from an answer, or search again to get a fresh one"
        )
    content_hash = _served_hash(request, document_id)
    if content_hash is None:
        raise _link_refused("this link's document is not in the served index: search again to get a fresh link")
    expected = _signature(_settings(request), document_id, content_hash, start, end, exp)
    # bytes on both sides: compare_digest refuses a str with non-ASCII characters (TypeError, a 500)
    if not hmac.compare_digest(sig.encode(), expected.encode()):
        raise _link_refused(
            "this link's signature is not valid for this document and span; if the document was changed "
            "since the link was made, the link is stale: search again to get a fresh one"
        )


def require_source_access(
    request: Request,
    document_id: str,
    credentials: Credentials,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
    exp: Annotated[int | None, Query(description="Expiry of a signed link (unix time).")] = None,
    sig: Annotated[str | None, Query(max_length=64, description="Signature of a signed link.")] = None,
) -> None:
    """The source view: a search key, or a signed link for exactly this span that has not expired."""
    settings = _settings(request)
    if not settings.search_key_list or sig is None or exp is None:
        require_search(request, credentials)
        return
    enforce(request, None)
    check_signed_link(request, document_id, start, end, exp, sig)
