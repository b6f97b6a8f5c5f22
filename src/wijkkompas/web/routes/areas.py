"""Area pages: the profile (``/gebied/{code}``), its CSV, its trend chart, and search."""
from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from ... import csvsafe
from ...errors import UnknownAreaError, WijkkompasError
from ...geo.codes import gemeente_of, normalise_code
from ...geo.postcodes import UnknownPostcodeError, parse_postcode
from .. import charts_glue, views
from ..answers import SHARED
from ..deps import DataDep, LangDep, is_htmx, render

router = APIRouter(include_in_schema=False)


@router.get("/zoek")
def search(request: Request, data: DataDep, lang: LangDep,
           q: Annotated[str, Query(max_length=100)] = "",
           gemeente: Annotated[str | None, Query(max_length=12)] = None):
    """One match goes straight to its profile; several are listed (HTMX: suggestions).

    A postcode (``2526``, ``2526 AB``) lists the areas it covers with their shares. Areas
    in the gemeente of the page the user is on come first among equally good matches:
    ``gemeente`` if given, else the gemeente of the page HTMX names (``HX-Current-URL``)
    or the browser's ``Referer`` (same origin: the app's Referrer-Policy)."""
    q = q.strip()
    htmx = is_htmx(request)
    template = "_search_results.html" if htmx else "search.html"
    if parse_postcode(q) is not None:
        return render(request, template, {"q": q, "rows": [], "postcode": _postcode(data, q)},
                      language=lang)
    context = context_gemeente(request, gemeente)
    found = data.names().areas(q, limit=60, context=context).drop_duplicates("code") if q else None
    if found is not None and not htmx:
        try:
            area = data.names().resolve_area(q)
            return RedirectResponse(f"/gebied/{area['code']}", status_code=303)
        except UnknownAreaError:
            if len(found) == 1:  # a place or an alias naming one area ("Den Bosch")
                return RedirectResponse(f"/gebied/{found['code'].iloc[0]}", status_code=303)
    rows = views.records(found.head(30)) if found is not None else []
    return render(request, template, {"q": q, "rows": rows, "postcode": None}, language=lang)


def _postcode(data, q: str) -> dict:
    """What the search shows for a postcode: its areas with shares, or why there are none."""
    try:
        result = views.postcode(data, q)
    except WijkkompasError as exc:
        return {"postcode": parse_postcode(q), "error": str(exc), "rows": [],
                "unknown": isinstance(exc, UnknownPostcodeError)}
    return {"postcode": result.postcode, "plaats": result.plaats, "error": None,
            "vintages": result.vintages, "rows": views.records(result.table),
            "residents_estimated": bool(result.table["share_residents"].notna().any())}


def context_gemeente(request: Request, given: str | None) -> str | None:
    """The gemeente code of the page the search was made from (see :func:`search`)."""
    candidates = [given] if given else []
    for header in ("HX-Current-URL", "Referer"):
        url = request.headers.get(header)
        if url:
            parts = urlsplit(url)
            path = parts.path.rstrip("/").split("/")
            if len(path) >= 3 and path[1] == "gebied":
                candidates.append(path[2].removesuffix(".csv"))
            query = parse_qs(parts.query)
            for key in ("within", "gemeente", "gebied", "area"):
                candidates += query.get(key, [])[:1]
    for candidate in candidates:
        code = gemeente_of(normalise_code(candidate)[:12])
        if code:
            return code
    return None


@router.get("/gebied/{code}.csv", dependencies=SHARED)
def profile_csv(code: str, data: DataDep, lang: LangDep):
    p = views.profile(data, code, lang)
    frame = pd.DataFrame(p["figures"]).drop(columns=["domain_label"], errors="ignore")
    frame.insert(0, "area_code", p["area"]["code"])
    frame.insert(1, "area_name", p["area"]["name"])
    buffer = io.StringIO()
    # semicolon and decimal comma: what Dutch spreadsheet software opens directly
    # and cells neutralised: this file is meant for spreadsheets (csvsafe)
    csvsafe.to_csv(frame, buffer, sep=";", decimal=",")
    return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="wijkkompas-{p["area"]["code"]}.csv"'})


@router.get("/gebied/{code}/trend", dependencies=SHARED)
def trend(request: Request, code: str, data: DataDep, lang: LangDep,
          indicator: Annotated[str, Query(max_length=80)]):
    s = views.series(data, code, indicator, lang)
    context = {"s": s, "chart": charts_glue.trend_spec(s, lang), "code": code}
    if is_htmx(request):
        return render(request, "_trend.html", context, language=lang)
    return RedirectResponse(f"/gebied/{code}?indicator={indicator}#trend", status_code=303)


@router.get("/gebied/{code}", dependencies=SHARED)
def profile_page(request: Request, code: str, data: DataDep, lang: LangDep,
                 period: Annotated[str | None, Query(pattern=r"^\d{4}[A-Z0-9]*$")] = None,
                 indicator: Annotated[str | None, Query(max_length=80)] = None):
    page = views.profile_page(data, code, lang, period, indicator)
    if "moved" in page:
        return RedirectResponse(f"/gebied/{page['moved']}", status_code=307)
    return render(request, "profile.html", page, language=lang)
