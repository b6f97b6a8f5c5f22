"""Security headers, trusted hosts and safe links for the web app.

- **Headers** (:class:`SecurityHeaders`, the outermost layer of the app, so that error
  pages, static files, the API and even a 500 carry them): ``Content-Security-Policy``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` and
  ``X-Frame-Options: DENY`` (for browsers without ``frame-ancestors``). The policy
  (:data:`CSP`) allows scripts, styles, images, fonts and fetches from the app itself
  only: every script is a file under ``/static`` (no inline script, no event-handler
  attribute, no ``style=`` attribute in the templates; Vega evaluates its expressions
  with vega-embed's interpreter, ``ast: true``, so no ``eval``), and the map has no
  tile layer (the boundaries are the map), so nothing is loaded from elsewhere. Two
  documents get their own policy (:func:`policy_for`): the HTML plan report (a
  standalone document with its CSS inline and no script at all) and FastAPI's API docs
  (Swagger UI from its CDN; its one inline script allowed by its hash).
- **Trusted hosts**: requests whose ``Host`` is not in ``$WIJKKOMPAS_ALLOWED_HOSTS``
  (comma-separated, ``*.example.nl`` allowed; default :data:`DEFAULT_HOSTS`) get 400, so
  that a forged ``Host`` never reaches a redirect or a link built from the request.
- **Links**: :func:`http_url`, the Jinja filter ``http_url``: a stored URL becomes a
  link only when its scheme is http or https (never ``javascript:``, ``data:``, ...).
- **Request bodies** (:class:`BodyLimit`): beyond ``$WIJKKOMPAS_MAX_BODY_KB`` (default
  1,024 KB) a request is answered 413 before the app reads it.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import re
from urllib.parse import urlsplit

from ..settings import env_name, settings

HOSTS_ENV = env_name("allowed_hosts")
# loopback (what `wijkkompas serve` listens on by default) and Starlette's TestClient
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1", "testserver")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")
# the HTML plan report: inline CSS and SVG charts, no script at all
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
REPORT_PATH = re.compile(r"^/plannen/[^/]+/rapport$")
# FastAPI's Swagger UI: its files served here (from the fastapi-offline package, so the
# page works offline), its inline script by hash (added per response, see SecurityHeaders)
DOCS_CSP = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def allowed_hosts(explicit: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The host names the app answers to: ``explicit``, else ``$WIJKKOMPAS_ALLOWED_HOSTS``
    (comma-separated), else :data:`DEFAULT_HOSTS`."""
    if explicit:
        return list(explicit)
    configured = [h.strip() for h in (settings().allowed_hosts or "").split(",") if h.strip()]
    return configured or list(DEFAULT_HOSTS)


def policy_for(path: str, docs_url: str | None) -> str:
    """The Content-Security-Policy of the document at ``path``."""
    if docs_url and path == docs_url:
        return DOCS_CSP
    if REPORT_PATH.match(path):
        return REPORT_CSP
    return CSP


def script_hashes(body: bytes) -> str:
    """CSP sources (`` 'sha256-...'``) for the inline scripts in an HTML body."""
    return "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
                   for s in INLINE_SCRIPT.findall(body))


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every HTTP response."""

    def __init__(self, app, docs_url: str | None = None) -> None:
        self.app, self.docs_url = app, docs_url

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = policy_for(scope.get("path", ""), self.docs_url)
        if policy == DOCS_CSP:
            return await self._hashed(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = self._with(message, policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _with(message, policy: str):
        headers = [(k, v) for k, v in message.get("headers", [])
                   if k.lower() != b"content-security-policy"]
        headers += [*HEADERS, (b"content-security-policy", policy.encode("latin-1"))]
        return {**message, "headers": headers}

    async def _hashed(self, scope, receive, send):
        """The API docs page, small: held back until its inline script can be hashed."""
        start: dict = {}
        body: list[bytes] = []

        async def collect(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                whole = b"".join(body)
                encoding = dict(start.get("headers", [])).get(b"content-encoding", b"")
                html = gzip.decompress(whole) if encoding == b"gzip" else whole
                policy = DOCS_CSP.format(hashes=script_hashes(html))
                await send(self._with(start, policy))
                await send({"type": "http.response.body", "body": whole})
                return
            await send(message)

        await self.app(scope, receive, collect)


BODY_ENV = env_name("max_body_kb")


def max_body() -> int:
    """The largest request body the app takes, in bytes (``$WIJKKOMPAS_MAX_BODY_KB``,
    default 1,024 KB: a plan document is tens of KB)."""
    return int(settings().max_body_kb * 1024)


class BodyLimit:
    """Pure ASGI middleware: a request body beyond :func:`max_body` is answered 413 before
    the app sees it. A declared ``Content-Length`` is checked at once; a body without one
    (chunked) is read up to one byte past the limit, then handed on."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = max_body()
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                return await self._refuse(send, limit)
            return await self.app(scope, receive, send)
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        parts, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            parts.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                return await self._refuse(send, limit)
            if not message.get("more_body"):
                break
        await self.app(scope, _replay(parts, receive), send)

    @staticmethod
    async def _refuse(send, limit: int) -> None:
        body = (f'{{"detail": "the request body is larger than the {limit // 1024:,} KB '
                f'this app takes (${BODY_ENV})"}}').encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list, then=None):
    """A ``receive`` that gives ``messages`` first, then waits on ``then`` (disconnects)."""
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}
    return receive


def http_url(value) -> str | None:
    """``value`` when it is an absolute http(s) URL, else None (the Jinja filter
    ``http_url``: templates link a stored URL only through it)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return None
