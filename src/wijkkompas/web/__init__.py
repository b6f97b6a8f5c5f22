"""The web application: server-rendered pages (Jinja2, HTMX) and a JSON API (FastAPI).

``create_app(store_dir)`` builds the app; ``wijkkompas serve`` runs it with uvicorn.
Pages: map (``/``), area profile (``/gebied/{code}``), rankings (``/ranglijst``),
compare (``/vergelijk``), early warning (``/signalen``), about the data (``/over``).
The API lives under ``/api`` with OpenAPI docs at ``/api/docs``.

Assumptions: one process serves one read-only store (DuckDB allows one writer; every
query opens a read-only connection); caches live in the process (see
:mod:`wijkkompas.web.state`), so several workers each warm their own.
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
