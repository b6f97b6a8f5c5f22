"""Partial (HTMX) responses are never mistaken for whole pages.

The map, the rankings and the area picker answer an HTMX request (``HX-Request: true``)
with a fragment and a plain request with the whole page, on the same address. A browser
that keeps the fragment in its HTTP cache under that address shows it, bare, when the user
comes Back to the address HTMX pushed (after opening a profile, say). :class:`VaryOnHtmx`
adds ``Vary: HX-Request`` to every response of a page route (everything but ``/static``),
so that the cache keeps the two apart; it runs outside the app's own middleware, so error
pages and redirects carry it too, and it adds to a ``Vary`` already there (GZip's
``Accept-Encoding``) instead of replacing it.

The other half is in ``base.html``: HTMX keeps no snapshots of pages
(``historyCacheSize: 0``) and reloads an address it pushed when the user goes Back or
Forward to it (``refreshOnHistoryMiss``), so history always shows a whole page from the
server.
"""
from __future__ import annotations

VARY = b"HX-Request"


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``HX-Request`` in its ``Vary`` (merged into an existing one)."""
    out, found = [], False
    for key, value in headers:
        if key.lower() == b"vary":
            found = True
            names = [v.strip() for v in value.split(b",") if v.strip()]
            if b"*" not in names and VARY.lower() not in (n.lower() for n in names):
                names.append(VARY)
            value = b", ".join(names)
        out.append((key, value))
    if not found:
        out.append((b"vary", VARY))
    return out


class VaryOnHtmx:
    """Pure ASGI middleware: ``Vary: HX-Request`` on every response but static files."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            return await self.app(scope, receive, send)

        async def send_with_vary(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_vary(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, send_with_vary)
