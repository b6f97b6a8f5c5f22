"""The JSON API under ``/api``: thin over :mod:`wijkkompas.web.views` (same data as the pages)."""
from __future__ import annotations

import gzip
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ...errors import StaleVersionError
from ...geo.codes import GRID_LEVELS, level_of
from ...plans.model import id_unavailable
from .. import views
from ..answers import SHARED, saving, share
from ..auth import (
    CurrentUser,
    accounts_of,
    csrf_token,
    require_editor,
    require_login,
    require_plan,
    visible,
)
from ..deps import DataDep, LangDep
from ..errors import BadRequest, NotFound
from ..mapdata import map_values

router = APIRouter(prefix="/api", tags=["api"])

Level = Literal["gemeente", "wijk", "buurt"]
# the map, the scores, rankings and early warning also take the grid cells of CBS's
# square statistics
MapLevel = Literal["gemeente", "wijk", "buurt", "vierkant500", "vierkant100"]
Method = Literal["zscore", "robust_z", "percentile", "imd", "index"]
Classification = Literal["national", "quantiles", "fisher_jenks", "equal_interval"]
_NUMBER = r"-?[0-9]{1,7}(\.[0-9]{1,3})?"  # RD New metres
Period = Annotated[str | None, Query(description="Reference year, e.g. 2020; default: the "
                                     "latest (indicators) or the period covering the most "
                                     "domains (scores)", pattern=r"^\d{4}[A-Z0-9]*$")]


def _encoded(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _json(payload, *, max_age: int = 60) -> Response:
    """``payload`` as compact JSON (or the bytes of such JSON, as encoded before)."""
    body = payload if isinstance(payload, bytes) else _encoded(payload)
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": f"public, max-age={max_age}"})


@router.get("/areas", dependencies=SHARED, summary="Search areas by name or code")
def areas(data: DataDep,
          q: Annotated[str | None, Query(description="Code prefix or part of the name")] = None,
          level: MapLevel | Literal["land"] | None = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 20,
          gemeente: Annotated[str | None, Query(
              description="Rank areas in this gemeente first among equal matches",
              pattern=r"^GM[0-9]{4}$")] = None):
    """Names without case, accents or punctuation; places ("Den Haag") find their
    gemeente, aliases ("Den Bosch") their area; best matches first (docs/data.md)."""
    frame = data.names().areas(q, level=level, limit=limit * 3, context=gemeente)
    frame = frame.drop_duplicates("code").head(limit)
    return _json({"areas": views.records(frame)})


@router.get("/areas/{code}", dependencies=SHARED,
            summary="Area profile: figures, references, scores, neighbours")
async def area(code: str, data: DataDep, lang: LangDep, period: Period = None):
    """The profile page's data. ``figures``: the latest figure per indicator with the
    gemeente's and the country's value for the same period and vintage; ``reliable`` is
    false below the indicator's minimum population. ``scores``: composite and domain
    scores (higher = more vulnerable) for ``period``."""
    # async with the serialised answer cached: a hit costs no thread hop; a miss
    # computes in the thread pool so the event loop never blocks on DuckDB
    key = ("api-profile", code.upper(), lang, period)
    body = data.profiles.get(key)
    if body is None:
        body = await run_in_threadpool(data.profiles.get_or, key, lambda: json.dumps(
            views.profile(data, code, lang, period), ensure_ascii=False,
            separators=(",", ":")).encode())
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": "public, max-age=60"})


@router.get("/areas/{code}/series", dependencies=SHARED, summary="An indicator over the years for an area, "
                                             "its gemeente and the country")
def area_series(code: str, data: DataDep, lang: LangDep,
                indicator: Annotated[str, Query(description="Indicator id (see /api/indicators)")]):
    return _json(views.series(data, code, indicator, lang))


class PostcodeArea(BaseModel):
    """One gemeente, wijk or buurt a postcode covers."""

    level: Level
    code: str = Field(description="CBS code (GM0518, WK051829, BU05182930)")
    name: str
    vintage: int = Field(description="The boundary vintage the share was computed on")
    wijk_code: str | None = None
    gemeente_code: str | None = None
    share: float = Field(ge=0, description="Part of the postcode's area that lies in this "
                         "area (0-1): an area share, residents are assumed spread evenly "
                         "over the postcode (docs/data.md)")
    share_residents: float | None = Field(default=None, ge=0, description="Estimated part "
                                          "of the postcode's residents in this area (0-1): "
                                          "the buurten's inhabitants spread evenly within "
                                          "each buurt; null when the store has no "
                                          "inhabitants per buurt (see `residents`)")


class PostcodeAreas(BaseModel):
    """The areas of a postcode, per level on the newest boundaries that cover it."""

    postcode: str = Field(description="The four digits")
    plaats: str = Field(description="The place (PostNL woonplaats) of the postcode")
    gemeente: str = Field(description="The gemeente of the postcode, by name")
    inwoners: int | None = Field(description="Inhabitants of the whole postcode on 1 "
                                 "January 2021 (CBS), null where CBS publishes none")
    area_km2: float
    vintages: dict[str, int] = Field(description="The boundary vintage used per level")
    areas: list[PostcodeArea] = Field(description="Gemeenten, then wijken, then buurten; "
                                      "largest share first; areas under 1 % left out")
    notes: list[str] = Field(description="What to know: levels without boundaries, the "
                             "part of the postcode outside every area, slivers left out")
    residents: str = Field(description="What `share_residents` rests on (the buurten, "
                           "vintage and period of the inhabitants), or why it is empty")


NOT_FOUND = {"description": "An unknown postcode, or one CBS publishes no shape for",
             "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}


@router.get("/postcodes/{pc4}", dependencies=SHARED,
            summary="The gemeenten, wijken and buurten of a postcode",
            response_model=PostcodeAreas, responses={404: NOT_FOUND})
def postcode(data: DataDep, pc4: Annotated[str, Path(
        pattern=r"^[0-9]{4}$", description="The four digits of a Dutch postcode (2526)")]):
    """As `wijkkompas areas 2526` and the site search: the postcode's CBS polygon (2020)
    overlaid with the store's boundaries of each level, `share` the part of its area in
    each area. Four digits that are no postcode (`0123`, `1234`) are 404; anything but
    four digits is 422."""
    result = views.postcode(data, pc4)
    answer = PostcodeAreas(postcode=result.postcode, plaats=result.plaats,
                           gemeente=result.gemeente, inwoners=result.inwoners,
                           area_km2=round(result.area_km2, 3), vintages=result.vintages,
                           areas=[PostcodeArea(**r) for r in views.records(result.table)],
                           notes=result.notes, residents=result.residents)
    return _json(answer.model_dump(), max_age=3600)


@router.get("/indicators", dependencies=SHARED, summary="The indicator catalog with what the store holds")
def indicators(data: DataDep, lang: LangDep):
    return _json({"indicators": views.about(data, lang)["indicators"]})


@router.get("/geometry/{level}/{vintage}.geojson", dependencies=SHARED,
            summary="Simplified WGS84 boundaries of one level and vintage (GeoJSON)",
            response_class=Response)
def geometry(level: MapLevel, vintage: int, request: Request, data: DataDep,
             bbox: Annotated[str | None, Query(
                 description="Grid levels only: just the cells overlapping this box, "
                 "minx,miny,maxx,maxy in RD New metres (EPSG:28992); the map asks for "
                 "tiles on the grid's lines (``layers[].tile_m`` of ``/api/map``)",
                 pattern=rf"^{_NUMBER}(,{_NUMBER}){{3}}$")] = None):
    """Geometry only (id = code; properties name, gm, wk): join values from ``/api/map``.
    Served once per level and vintage (and ``bbox``) with a long cache and an ETag."""
    layer = data.layer(level, vintage)
    etag = layer.etag if bbox is None else f'{layer.etag[:-1]}-{bbox}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=604800",
               "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    zipped = "gzip" in request.headers.get("accept-encoding", "")
    if bbox is None:
        body = layer.gzipped if zipped else layer.raw
    else:
        minx, miny, maxx, maxy = (float(v) for v in bbox.split(","))
        body = layer.within((minx, miny, maxx, maxy))
        body = gzip.compress(body, 6) if zipped else body
    if zipped:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/geo+json", headers=headers)


@router.get("/map", dependencies=SHARED, summary="Values, class breaks and legend for one choropleth")
def map_data(data: DataDep, lang: LangDep, level: MapLevel = "gemeente",
             indicator: Annotated[str, Query(description="Indicator id, 'vulnerability' or "
                                             "'domain_<id>'")] = "vulnerability",
             period: Period = None,
             within: Annotated[str | None, Query(description="A gemeente or wijk code")] = None,
             classification: Classification = "national",
             k: Annotated[int, Query(ge=3, le=7, description="Number of classes")] = 5):
    """``values``: code -> [value, class index] (class -1 = no figure, -2 = suppressed).
    ``classification=national`` (the default): classes of the whole reference group of the
    level and period (groups of national tenths; ``classes[].label`` in words, ``range`` the
    national values), the same for every ``within``; the other methods are over the areas
    shown. Without ``period``: the latest with figures for the areas asked (``within``);
    a ``period`` without figures there, or no figure at all, is a 404 saying which periods
    have them.
    ``layers``: boundary layers to draw (``/api/geometry/...``); codes are matched to the
    nearest boundary vintage that has them, and the legend says so. At a grid level each
    layer's ``tile_m`` is the side of the tiles (RD New metres, on the grid's lines) to
    fetch it by with ``bbox``, and ``bounds`` the cells' box in WGS84
    (``[[south, west], [north, east]]``; None at other levels)."""
    # the answer encoded once per question, as its values are kept (map_values): the
    # encoding was most of a repeated answer at grid scale (3 MB at 100,000 cells)
    question = ("map-json", level, indicator, period, within, classification, k, lang)
    return _json(data.misc.get_or(question, lambda: _encoded(map_values(
        data, level=level, indicator=indicator, period=period, within=within,
        classification=classification, k=k, language=lang))), max_age=300)


@router.get("/scores", dependencies=SHARED, summary="Composite and domain scores of every area of a level")
def scores(data: DataDep, level: MapLevel = "wijk", period: Period = None,
           method: Method | None = None,
           within: Annotated[str | None, Query(description="A gemeente or wijk code")] = None):
    """Every area's domain scores, and its composite ``vulnerability`` (with ``rank``
    and ``class``) only when it has every domain of the scheme's yardstick and enough
    residents; otherwise ``composite_status`` says why (``missing_domains``,
    ``below_min_population``, ``population_unknown``) and ``missing_domains`` names the
    domains. ``statement`` says in words why no area of the level and period has a
    composite (null when some have); ``indicator_years`` gives each figure's own year.
    At a grid level ``within`` is required (the country has some 420,000 cells; a cell
    lies in the gemeente and wijk it was placed in at ingest); ``/api/rankings`` pages
    them."""
    w = within.upper() if within else None
    if w and level_of(w) not in ("gemeente", "wijk"):
        raise BadRequest(f"within must be a gemeente or wijk code, not {within!r}")
    if level in GRID_LEVELS and not w:
        raise BadRequest(f"give within (a gemeente or wijk code) for the scores of the "
                         f"{level} cells, or page them with /api/rankings")
    if period is not None and period not in data.score_periods(level):
        raise NotFound(f"no scores at level {level} for period {period}; periods: "
                       + ", ".join(data.score_periods(level)))
    result = data.scores(level, period, method)
    table = result.table
    if w:
        table = table[(table["gemeente_code"] == w) | (table["wijk_code"] == w)]
    return _json({"level": level, "period": result.period, "vintage": int(result.vintage),
                  "method": result.method, "statement": result.statement,
                  "n_scored": int(result.table["vulnerability"].notna().sum()),
                  "yardstick": list(data.scheme.yardstick), "notes": result.notes,
                  "areas": views.records(table)})


@router.get("/rankings", dependencies=SHARED, summary="Scores filtered, searched, sorted and paged")
def rankings(data: DataDep, lang: LangDep, level: MapLevel = "wijk", period: Period = None,
             gemeente: Annotated[str | None, Query(
                 description="Gemeente code, or a wijk code for buurten and grid cells")] = None,
             domain: Annotated[str | None, Query(description="Sort by this domain")] = None,
             q: Annotated[str | None, Query(description="Name or code")] = None,
             sort: str = "rank", order: Literal["asc", "desc"] = "asc",
             page: Annotated[int, Query(ge=1)] = 1,
             per_page: Annotated[int, Query(ge=1, le=500)] = 50,
             method: Method | None = None):
    """``statement``: why no area has a composite (then every ``rank`` is null and the
    rows are listed by name with their domain scores); ``notice``: the same, or why some
    areas lack one, in the page's language; per row ``composite_status``,
    ``missing_domains`` and ``reason``."""
    return _json(views.rankings(data, level=level, period=period, gemeente=gemeente,
                                domain=domain, q=q, sort=sort, order=order, page=page,
                                per_page=per_page, method=method, language=lang))


@router.get("/compare", dependencies=SHARED, summary="Two to five areas side by side")
def compare(data: DataDep, lang: LangDep,
            area: Annotated[list[str], Query(description="Area codes (repeat, 1 to 5)")],
            indicator: str | None = None):
    if not 1 <= len(area) <= 5:
        raise BadRequest("give one to five areas (area=...)")
    return _json(views.compare(data, area, lang, indicator))


@router.get("/warning", dependencies=SHARED, summary="Early warning: areas that still look fine but decline")
def warning(data: DataDep, lang: LangDep, level: MapLevel = "wijk",
            within: Annotated[str | None, Query(description="A gemeente or wijk code")] = None,
            scheme: Annotated[str | None, Query(
                max_length=40, description="A bundled scheme (gezondheidsmonitor: one "
                "yardstick over 2012, 2016, 2020); default the app's own")] = None):
    return _json({"level": level, **views.warning_table(data, level, lang, within,
                                                       scheme=scheme or None)})


@router.get("/sources", dependencies=SHARED,
            summary="Sources, licences, boundary vintages and indicator definitions")
def sources(data: DataDep, lang: LangDep):
    return _json(views.about(data, lang))


PlanId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$",
                             description="Plan id, as in `wijkkompas plan list`")]


def _private(payload) -> Response:
    # answers that depend on who asks must not sit in a shared cache
    response = _json(payload)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Cookie"
    return response


@router.get("/plans", summary="The integrated area plans the caller may see (public plans, "
                              "and private ones for their viewers, editors and admins)")
def plans(request: Request, data: DataDep, user: CurrentUser):
    return _private({"plans": visible(request, user, views.plans_list(data))})


@router.get("/plans/{plan_id}", summary="A plan's full document (current version) and versions")
def plan(request: Request, data: DataDep, plan_id: PlanId, user: CurrentUser):
    """404 for an unknown plan and for a private plan the caller may not see."""
    access = require_plan(request, user, plan_id)
    record = views.plan_record(data, plan_id, access.version)
    share(request, plan=(plan_id, record["object"].version))
    return _private({"plan": record["plan"], "versions": record["versions"]})


@router.get("/plans/{plan_id}/progress",
            summary="Progress per goal and milestone, and the summary ('11 van 20 tussendoelen "
                    "gehaald')")
def plan_progress(request: Request, data: DataDep, plan_id: PlanId, user: CurrentUser):
    access = require_plan(request, user, plan_id)
    detail = views.plan_detail(data, plan_id, access.version)
    share(request, plan=(plan_id, detail["version"]))
    return _private(detail["summary"])


@router.get("/session", summary="Who is logged in, and the CSRF token that every write "
                                "must send in the X-CSRF-Token header")
def session_info(request: Request, user: CurrentUser):
    return _private({"user": user.to_dict() if user else None,
                     "csrf_token": csrf_token(request)})


PlanDocument = Annotated[dict, Body(description=(
    "The whole plan document, as GET /api/plans/{id} returns it under `plan` (and as "
    "`wijkkompas plan export` writes it). An update carries the `version` it was based "
    "on; a new plan carries none."))]
Message = Annotated[str, Query(max_length=500, description="What changed, for the "
                                                           "audit trail")]


def _saved(data, plan_id: str, save) -> Response:
    """Run a save; a stale version is 409 with the version the database is at."""
    try:
        result = save()
    except StaleVersionError as exc:
        current = exc.current_version
        if current is None:  # a save racing this one: read what it left
            current = views.plan_store(data).current_version(plan_id)
        return JSONResponse({"detail": str(exc), "current_version": current},
                            status_code=409, headers={"Cache-Control": "no-store"})
    return _private(result)


@router.post("/plans", status_code=201,
             summary="Create a plan (logged in; the plan starts private, the author is its "
                     "editor)", responses={409: {"description": "A plan with this id exists"}})
async def create_plan(request: Request, data: DataDep, user: CurrentUser,
                      document: PlanDocument, message: Message = ""):
    author = require_login(user)
    # the document first: an invalid one gets the same 422 whatever its id is
    await run_in_threadpool(views.check_document, data, document)
    plan_id = str(document.get("id", ""))
    existing = views.plan_store(data).current_version(plan_id)
    if existing is not None:
        if not accounts_of(request).can_view(author, plan_id):
            # word for word as for a reserved id: the existence is not revealed
            raise id_unavailable(plan_id, file=plan_id)
        return JSONResponse({"detail": f"a plan with id {plan_id!r} already exists",
                             "current_version": existing}, status_code=409)
    response = await run_in_threadpool(_saved, data, plan_id, lambda: views.save_plan(
        data, document, author.username, create=True, message=message))
    if response.status_code == 200:
        response.status_code = 201
    return response


@router.put("/plans/{plan_id}",
            summary="Change a plan (its editors and admins): the document names the version "
                    "it was based on; a stale one is refused with 409, nothing is lost",
            responses={409: {"description": "The plan moved on since `version`"}})
async def update_plan(request: Request, data: DataDep, plan_id: PlanId, user: CurrentUser,
                      document: PlanDocument, message: Message = ""):
    editor, current = await run_in_threadpool(require_editor, request, user, plan_id)
    if document.get("id", plan_id) != plan_id:
        raise BadRequest(f"the document's id {document.get('id')!r} is not {plan_id!r} "
                         "(a plan cannot be renamed)")
    saving(request, plan_id)
    return await run_in_threadpool(_saved, data, plan_id, lambda: views.save_plan(
        data, {**document, "id": plan_id}, editor.username, create=False, message=message,
        current=current))


@router.post("/plans/{plan_id}/restore",
             summary="Make an earlier version current again (its editors and admins): saved "
                     "as a new version, the versions in between stay in the history")
async def restore_plan(request: Request, data: DataDep, plan_id: PlanId, user: CurrentUser,
                       version: Annotated[int | None, Query(ge=1, description="The version "
                                                            "to restore")] = None,
                       body: Annotated[dict | None, Body(description='Or {"version": n}')]
                       = None):
    editor, _ = await run_in_threadpool(require_editor, request, user, plan_id)
    number = version or (body or {}).get("version")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise BadRequest("give the version to restore: ?version=n or {\"version\": n}")
    saving(request, plan_id)
    restored = await run_in_threadpool(views.plan_store(data).restore, plan_id, number,
                                       editor.username)
    return _private({"id": restored.id, "version": restored.version, "restored": number})
