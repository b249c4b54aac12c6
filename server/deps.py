"""Every FastAPI dependency of the routes: what the app holds (`app.state`), who is asking, and who may.

The lifespan (`server.app`) puts the engine, the conversation store and the build manager on
`app.state`; `create_app` puts the settings, the rate limiter and the source-view cache there. A
route says who may use it in its `dependencies`, in order: `RateLimit` first (so wrong keys are
throttled too), then `SearchAccess`, `SourceAccess` or `AdminAccess` (admin routes check `AdminEnabled`
before the limit). A route without `RateLimit` is never limited (health checks, metrics, the demo page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.builds import BuildManager
from server.conversations import ConversationStore
from server.engine import Engine
from server.ratelimit import RateLimiter, enforce, identity_of, is_loopback
from server.security import (
    LinkKind,
    Role,
    check_admin,
    check_admin_enabled,
    check_search,
    check_signed_link,
    valid_key,
)
from server.settings import Settings
from server.source_view import SourceViews

T = TypeVar("T")

# --- what the app holds ------------------------------------------------------------------------


def _held(name: str, kind: type[T]) -> Any:
    """A dependency that gives `app.state.<name>`, which create_app or the lifespan put there; `kind` is its type."""

    def held(request: Request) -> T:
        return cast(T, getattr(request.app.state, name))

    return Depends(held)


SettingsDep = Annotated[Settings, _held("settings", Settings)]
EngineDep = Annotated[Engine, _held("engine", Engine)]
ConversationsDep = Annotated[ConversationStore, _held("conversations", ConversationStore)]
BuildsDep = Annotated[BuildManager, _held("builds", BuildManager)]
SourceViewsDep = Annotated[SourceViews, _held("source_views", SourceViews)]

# --- who is asking -----------------------------------------------------------------------------

bearer = HTTPBearer(
    auto_error=False, description="A search key (ASKREPORT_SEARCH_KEYS) or the admin key (ASKREPORT_ADMIN_KEY)."
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _given(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials else None


def client_identity(request: Request, settings: SettingsDep, credentials: Credentials) -> str:
    """Who is asking, for rate limits and per-client quotas: a valid key's fingerprint, else the client's address."""
    return identity_of(request, valid_key(settings, _given(credentials)))


ClientDep = Annotated[str, Depends(client_identity)]


def rate_limit(request: Request, settings: SettingsDep, client: ClientDep) -> None:
    """429 with Retry-After once this key (or address) has used up its requests (see `server.ratelimit`)."""
    limiter: RateLimiter | None = request.app.state.limiter
    if limiter is None or (settings.rate_limit_exempt_loopback and is_loopback(request)):
        return
    enforce(limiter, client)


# --- who may -----------------------------------------------------------------------------------


def require_search(settings: SettingsDep, credentials: Credentials) -> Role:
    """Search routes: open without configured search keys, else a search or the admin key."""
    return check_search(settings, _given(credentials))


def require_admin_enabled(settings: SettingsDep) -> None:
    """Admin routes are off (403) without a configured admin key; checked before the rate limit, as it
    costs nothing and tells the caller all there is to know."""
    check_admin_enabled(settings)


def require_admin(settings: SettingsDep, credentials: Credentials) -> None:
    """Admin routes need the admin key as a bearer token."""
    check_admin(settings, _given(credentials))


Expiry = Annotated[int | None, Query(description="Expiry of a signed link (unix time).")]
Signature = Annotated[str | None, Query(max_length=64, description="Signature of a signed link.")]


def require_source_access(
    settings: SettingsDep,
    engine: EngineDep,
    document_id: str,
    credentials: Credentials,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
    exp: Expiry = None,
    sig: Signature = None,
) -> None:
    """The source view: a search key, or a signed link for exactly this span that has not expired."""
    _key_or_link(settings, engine, document_id, credentials, (start, end), (exp, sig), LinkKind.VIEW)


def require_file_access(
    settings: SettingsDep,
    engine: EngineDep,
    document_id: str,
    credentials: Credentials,
    exp: Expiry = None,
    sig: Signature = None,
) -> None:
    """The original file: a search key, or a signed link to this file that has not expired."""
    _key_or_link(settings, engine, document_id, credentials, (None, None), (exp, sig), LinkKind.FILE)


def _key_or_link(
    settings: Settings,
    engine: Engine,
    document_id: str,
    credentials: HTTPAuthorizationCredentials | None,
    span: tuple[int | None, int | None],
    signed: tuple[int | None, str | None],
    kind: LinkKind,
) -> None:
    """A search key, unless search keys are on and a signed link is given: then that link, of `kind`."""
    exp, sig = signed
    if not settings.search_key_list or sig is None or exp is None:
        check_search(settings, _given(credentials))
        return
    check_signed_link(settings, document_id, span, (exp, sig), _served_hash(engine, document_id), kind)


def _served_hash(engine: Engine, document_id: str) -> Callable[[], str | None]:
    """The content hash of the served version of a document (None: not in the served index)."""

    def served_hash() -> str | None:
        generation = engine.generation()
        return next((d.content_hash for d in generation.manifest.documents if d.id == document_id), None)

    return served_hash


RateLimit = Depends(rate_limit)
SearchAccess = Depends(require_search)
AdminEnabled = Depends(require_admin_enabled)
AdminAccess = Depends(require_admin)
SourceAccess = Depends(require_source_access)
FileAccess = Depends(require_file_access)

# --- what the OpenAPI schema says about keys ---------------------------------------------------

# A search route needs a key only on a server with search keys, so the schema offers "no key" as an alternative.
KEY_IF_CONFIGURED: dict[str, Any] = {"security": [{}]}
SEARCH_KEY_401 = {
    401: "This server has search keys (`ASKREPORT_SEARCH_KEYS`) and neither one of them nor the admin key was "
    "sent as `Authorization: Bearer <key>`."
}
