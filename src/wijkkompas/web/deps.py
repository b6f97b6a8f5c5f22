"""Typed dependencies for the routes: the app's data facade, the language, rendering.

Routes never build stores or caches; they take ``DataDep`` and ``LangDep`` (and
``CurrentUser``, the logged-in user or None, from :mod:`wijkkompas.web.auth`) and call the
functions in :mod:`wijkkompas.web.views`.
"""
from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from .auth import CurrentUser, csrf_token  # noqa: F401 - CurrentUser re-exported for routes
from .i18n import (
    LANGUAGES,
    fmt_datetime,
    fmt_money,
    fmt_number,
    fmt_value,
    level_name,
    method_name,
    pick_language,
    plan_headline,
    plan_status,
    plural,
)
from .state import WebData


async def get_data(request: Request) -> WebData:
    # async: a sync dependency would cost a thread hop on every request
    data: WebData = request.app.state.data
    data.check_fresh()
    return data


async def get_language(request: Request,
                 lang: Annotated[str | None, Query(
                     description="Interface language: nl (default) or en; remembered in a "
                                 "cookie", pattern="^(nl|en)$")] = None) -> str:
    return pick_language(lang, request.cookies.get("lang"))


DataDep = Annotated[WebData, Depends(get_data)]
LangDep = Annotated[str, Depends(get_language)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-History-Restore-Request") != "true"


def url_with(request: Request, **changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for k, v in changes.items():
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            params += [(k, x) for x in v]
        else:
            params.append((k, v))
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def to_json(value) -> str:
    """JSON for a page, with ``</`` written ``<\\/`` so that it cannot end an element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def render(request: Request, template: str, context: dict, *, status_code: int = 200,
           language: str | None = None) -> HTMLResponse:
    """Render a template with the helpers every page needs (t, fmt, lang, url_with)."""
    language = language or pick_language(request.query_params.get("lang"),
                                         request.cookies.get("lang"))
    templates = request.app.state.templates
    other = "en" if language == "nl" else "nl"
    ctx = {"request": request, "lang": language, "other_lang": other,
           "lang_url": url_with(request, lang=other),
           "level_name": lambda level: level_name(level, language),
           "fmt": lambda v, d=1: fmt_number(v, language, d),
           "fmt_value": lambda v, unit, d=1: fmt_value(v, unit, language, d),
           "fmt_money": lambda v: fmt_money(v, language),
           "fmt_datetime": lambda v: fmt_datetime(v, language),
           "plural": lambda level: plural(level, language),
           "method_name": lambda method: method_name(method, language),
           "plan_status": lambda status: plan_status(status, language),
           "plan_headline": lambda counts: plan_headline(counts, language),
           "url_with": lambda **kw: url_with(request, **kw),
           "tojson": to_json,
           "path": request.url.path, "languages": LANGUAGES,
           # lazily: an anonymous page that shows no form sets no session cookie
           "csrf_token": lambda: csrf_token(request),
           "current_user": request.scope.get("wk_user")}
    ctx.update(context)
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Response) -> None:
    lang = request.query_params.get("lang")
    if lang in LANGUAGES and request.cookies.get("lang") != lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
