"""Sessions, CSRF protection, login rate limiting and authorisation for the web app.

Security choices
----------------
- **Session**: one cookie ``wk_session`` holding ``{"u": username, "e": session epoch,
  "csrf": token}``, signed (not encrypted: it holds nothing secret) with itsdangerous and
  the app's secret key, valid for 8 hours. Flags: ``HttpOnly`` (no script can read it),
  ``SameSite=Lax`` (not sent on cross-site POSTs), ``Secure`` when the request came over
  https (behind a reverse proxy run uvicorn with ``--proxy-headers`` so that the scheme
  is known; see docs/deploy.md). The user is re-read from the database on every request,
  so that deactivating an account takes effect at once. During an OpenID Connect login
  the session also holds Authlib's state, nonce and PKCE verifier (as Starlette's
  ``request.session``) until the callback has used them (:mod:`wijkkompas.web.oidc`).
- **Revocation**: a signed cookie cannot be taken back, so the session carries the
  user's ``session_epoch`` and is anonymous once the epoch in the database has moved on
  (password set or changed, account deactivated, logging out, "log out everywhere"; see
  :mod:`wijkkompas.plans.accounts`). Logging out therefore ends all of the user's
  sessions, so that a copy of the cookie kept from before is refused. A session without
  an epoch counts as epoch 0.
- **CSRF**: a random token per session (synchronizer token), put in every form as
  ``csrf_token`` and checked on *every* non-GET request by an app-wide dependency
  (:func:`csrf_guard`); a header ``X-CSRF-Token`` is accepted too (HTMX, scripts). A
  missing or wrong token is 403. Logging in rotates the token (no session fixation).
- **Rate limiting**: at most 5 failed logins per username+client address in 5 minutes
  (:class:`LoginLimiter`). The failures are rows in the plans database (table
  ``login_failures``), so that all worker processes serving one plans database count
  the same attempts. Two processes checking at the same instant may each let one more
  attempt through; the limit is about guessing speed, not an exact count.
- **Pages for logged-in users and admins**: :data:`LoggedIn` sends an anonymous visitor
  to the login page (:class:`LoginRequired`), :data:`Admin` answers 403 to a logged-in
  user who is not an admin.
- **Secret key**: ``$WIJKKOMPAS_SECRET_KEY``; without it a random key per process is made
  (sessions end when the process stops) — ``wijkkompas serve`` refuses that except on a
  loopback address.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import UploadFile

from ..plans.accounts import Accounts, PlanAccess, User
from ..settings import env_name, settings
from .errors import NotFound
from .i18n import N_

# plans/accounts.py's ROLES and VISIBILITIES in words
ROLE_NAMES = {"editor": N_("Editor"), "viewer": N_("Viewer")}
VISIBILITY_NAMES = {"public": N_("Public (everyone)"), "private": N_("Private (only with a role)")}

SECRET_ENV = env_name("secret_key")
COOKIE = "wk_session"
MAX_AGE = 8 * 3600
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def secret_key(explicit: str | None = None) -> tuple[str, bool]:
    """The secret key and whether it was configured (False: random for this process)."""
    configured = settings().secret_key
    value = explicit or (configured.get_secret_value() if configured else None)
    if value:
        return value, True
    return secrets.token_urlsafe(32), False


class SessionMiddleware:
    """Pure ASGI middleware: loads the signed session into ``scope["wk_session"]`` and
    writes the cookie back only when a route changed it (no Set-Cookie on every answer,
    which would defeat HTTP caches of the statistics pages)."""

    def __init__(self, app, secret: str) -> None:
        self.app = app
        self.signer = URLSafeTimedSerializer(secret, salt="wijkkompas-session")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        session = Session(self._load(scope))
        # also as Starlette's request.session, where Authlib keeps the OIDC state
        scope["wk_session"] = scope["session"] = session

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and session.modified:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self._cookie(scope, session).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, scope) -> dict:
        for key, value in scope.get("headers", []):
            if key != b"cookie":
                continue
            for part in value.decode("latin-1").split(";"):
                name, _, token = part.strip().partition("=")
                if name == COOKIE and token:
                    try:
                        data = self.signer.loads(token, max_age=MAX_AGE)
                    except BadSignature:  # tampered, expired or an old secret key
                        return {}
                    return data if isinstance(data, dict) else {}
        return {}

    def _cookie(self, scope, session: Session) -> str:
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        if not session:
            return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
        token = self.signer.dumps(dict(session))
        return f"{COOKIE}={token}; Path=/; Max-Age={MAX_AGE}; HttpOnly; SameSite=Lax{secure}"


class Session(dict):
    """A dict that remembers whether it was changed."""

    modified = False

    def __setitem__(self, key, value):
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.modified = True
        super().__delitem__(key)

    def pop(self, key, *default):
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def clear(self):
        self.modified = True
        super().clear()


def session_of(request: Request) -> Session:
    session = request.scope.get("wk_session")
    if session is None:  # app built without the middleware (never in create_app)
        session = request.scope["wk_session"] = Session()
    return session


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made (and the cookie set) on first use."""
    session = session_of(request)
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: every non-GET request must carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = session_of(request).get("csrf")
    given: str | UploadFile | None = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get("csrf_token")
    if not expected or not given or not hmac.compare_digest(str(given), str(expected)):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def accounts_for(data) -> Accounts:
    """The accounts in the plans database of the app's data, opened once."""
    from .views import plan_store

    return data.service("accounts", lambda: Accounts(plan_store(data)))


def accounts_of(request: Request) -> Accounts:
    return accounts_for(request.app.state.data)


async def get_current_user(request: Request) -> User | None:
    """The logged-in, active user whose session is still valid, or None (anonymous)."""
    if "wk_user" in request.scope:
        return request.scope["wk_user"]
    session = session_of(request)
    username = session.get("u")
    user = None
    if username:
        from starlette.concurrency import run_in_threadpool

        user = await run_in_threadpool(accounts_of(request).get_user, username)
        if user is not None and (not user.active or
                                 session.get("e", 0) != user.session_epoch):
            user = None
    request.scope["wk_user"] = user
    return user


CurrentUser = Annotated[User | None, Depends(get_current_user)]


class LoginRequired(Exception):
    """An anonymous visitor asked for a page that needs a login (app.py redirects)."""


async def login_or_redirect(user: CurrentUser) -> User:
    """The user of a page that needs a login; anonymous visitors go to /inloggen."""
    if user is None:
        raise LoginRequired()
    return user


LoggedIn = Annotated[User, Depends(login_or_redirect)]


async def require_admin(user: LoggedIn) -> User:
    if not user.is_admin:
        raise HTTPException(403, "Alleen voor beheerders. / Administrators only.")
    return user


Admin = Annotated[User, Depends(require_admin)]


def log_in(request: Request, user: User) -> None:
    session = session_of(request)
    session.clear()  # a new session: the pre-login token is not reused (fixation)
    session["u"] = user.username
    session["e"] = user.session_epoch
    session["csrf"] = secrets.token_urlsafe(32)
    request.scope["wk_user"] = user


def keep_session(request: Request, epoch: int) -> None:
    """After the user moved their own epoch on (password change): this session stays
    valid, every other one ends."""
    session_of(request)["e"] = epoch


def log_out(request: Request) -> None:
    session_of(request).clear()
    request.scope["wk_user"] = None


class LoginLimiter:
    """At most ``attempts`` failed logins per username and client address, and at most
    ``account_attempts`` per username from all addresses together, within ``window``
    seconds; counted in the plans database (shared by all worker processes).

    The second limit stops guessing one account's password from many addresses. Both
    are windows, never permanent: a real user locked out by someone else's guesses can
    log in again when the window has passed, and a successful login clears both counts.
    The methods do database work: call them off the event loop."""

    def __init__(self, accounts: Callable[[], Accounts], attempts: int = 5,
                 window: float = 300.0, account_attempts: int = 20) -> None:
        self.accounts, self.attempts, self.window = accounts, attempts, window
        self.account_attempts = account_attempts

    @staticmethod
    def _keys(key: tuple[str, str]) -> tuple[str, str]:
        # usernames hold no whitespace: the newline cannot make two keys collide; "*" is
        # no address, so the account's own count is a key of its own
        return "\n".join(key)[:400], f"{key[0]}\n*"[:400]

    def blocked(self, key: tuple[str, str]) -> bool:
        address, account = self._keys(key)
        accounts = self.accounts()
        return (accounts.recent_failures(address, self.window) >= self.attempts
                or accounts.recent_failures(account, self.window) >= self.account_attempts)

    def failed(self, key: tuple[str, str]) -> None:
        accounts = self.accounts()
        for one in self._keys(key):
            accounts.record_failure(one, self.window)

    def succeeded(self, key: tuple[str, str]) -> None:
        accounts = self.accounts()
        for one in self._keys(key):
            accounts.clear_failures(one)


# -- plan authorisation -------------------------------------------------------------------

CHECKED = "wk_plan_checked"  # the scope key of a plan's state read for this request


def require_plan(request: Request, user: User | None, plan_id: str, *,
                 edit: bool = False) -> PlanAccess:
    """NotFound (404) unless the user may see the plan, else what they may do with it
    and its current version (:meth:`Accounts.access`: read with its visibility, so a
    route that shows the plan reads its version before the plan and no second time).
    The message is the same as for a plan that does not exist, so that a private plan's
    existence is not revealed."""
    checked = request.scope.get(CHECKED) if user is None else None
    if checked is not None and checked[0] == plan_id:
        # the state the check of a kept answer read for this request, after it arrived
        # (web.answers): all a visitor who is not logged in needs, without a second read
        access: PlanAccess | None = PlanAccess.anonymous(*checked[1])
    else:
        access = accounts_of(request).access(user, plan_id, edit=edit)
    if access is None or not access.may_view:
        raise NotFound(f"no plan with id {plan_id!r}")
    return access


def visible(request: Request, user: User | None, plans: list[dict]) -> list[dict]:
    allowed = accounts_of(request).visible_plan_ids(user)
    return [p for p in plans if p["id"] in allowed]


def require_login(user: User | None) -> User:
    """401 for anonymous callers of a write (the pages send them to /inloggen)."""
    if user is None:
        raise HTTPException(401, "log in to change plans")
    return user


def require_editor(request: Request, user: User | None, plan_id: str) -> tuple[User, int]:
    """The user and the plan's current version when they may change the plan: 401
    anonymous, 404 when they may not even see it (as for a plan that does not exist),
    403 when they may see but not edit it."""
    user = require_login(user)
    access = require_plan(request, user, plan_id, edit=True)
    if not access.may_edit:
        raise HTTPException(403, f"you may read plan {plan_id!r} but not change it; ask its "
                                 "editors or an administrator for the editor role")
    return user, access.version
