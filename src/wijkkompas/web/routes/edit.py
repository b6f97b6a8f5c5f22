"""Plan editing pages: a new plan (``/plannen/nieuw``), the edit forms
(``/plannen/{id}/bewerken``...) and the audit trail (``/plannen/{id}/versies``).

Plain HTML forms, POST-redirect-GET: a saved form redirects (303) to the edit page; a
refused one is shown again with the input kept, 422 for an invalid plan, 409 when the
plan moved on since the form's version (see :mod:`wijkkompas.web.editing`). Anonymous
visitors are sent to the login page; the rest of the authorisation is
:func:`~wijkkompas.web.auth.require_editor`'s (404 for a plan they may not see, 403
for one they may only read).
"""
from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...plans.model import PILLARS
from .. import editing
from ..answers import saving
from ..auth import CurrentUser, LoggedIn, require_editor, require_plan
from ..deps import DataDep, LangDep, render
from ..errors import NotFound
from ..views import plan_record, plan_store, restore_plan

router = APIRouter(include_in_schema=False)
PlanId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
# the keys of editing.PARTS, written out: a type checker cannot read a Literal built at run time
Part = Literal["doelen", "maatregelen", "partners", "deelname"]
assert get_args(Part) == tuple(editing.PARTS)
Item = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]


def _edit_page(request: Request, data, lang: str, plan_id: str, *, status_code: int = 200,
               outcome: editing.Outcome | None = None):
    """The edit page: the general form with the area picker (with ``outcome``'s input
    when it was refused) and the lists of goals, measures, partners and participation."""
    doc = plan_record(data, plan_id)["plan"]  # read only: cached per version
    asked = outcome.values if outcome and outcome.values else dict(request.query_params)
    picker = editing.plan_picker(data, doc, asked)
    values = (outcome.values if outcome else None) or editing.general_values(doc, picker)
    return render(request, "plan_edit.html", {
        "plan": doc, "values": values, "picker": picker,
        "errors": outcome.errors if outcome else {},
        "summary": outcome.summary if outcome else [],
        "conflict": outcome.conflict if outcome else None,
        "saved": request.query_params.get("opgeslagen"),
        "parts": {v: k for k, v in editing.PARTS.items()},
        "part_titles": editing.PART_TITLES, "part_add": editing.PART_ADD,
        "labels": _labels(data, doc, lang)}, status_code=status_code, language=lang)


def _labels(data, doc: dict, lang: str) -> dict[str, dict[str, str]]:
    """The words for the ids the lists show: pillars and indicators by their labels."""
    pillars = {}
    for p in doc.get("pillars") or PILLARS:
        ident = str(p.get("id") if isinstance(p, dict) else p)
        known = PILLARS.get(ident, {})
        label = (p.get("label") if isinstance(p, dict) else None) or known.get(lang) or ident
        pillars[ident] = label
    indicators = {g.get("indicator"): data.catalog[g["indicator"]].label(lang)
                  for g in doc.get("goals", []) if g.get("indicator") in data.catalog}
    return {"pillar": pillars, "indicator": indicators}


def _item_page(request: Request, data, lang: str, plan_id: str, part: str, item: str,
               values: dict, *, status_code: int = 200, outcome=None):
    doc = plan_record(data, plan_id)["plan"]  # read only: cached per version
    key = editing.PARTS[part]
    return render(request, "plan_edit_item.html", {
        "plan": doc, "part": part, "key": key, "item": item, "values": values,
        "errors": outcome.errors if outcome else {},
        "summary": outcome.summary if outcome else [],
        "conflict": outcome.conflict if outcome else None,
        "milestone_rows": editing.milestone_rows(values),
        "heading_msgid": (editing.PART_ADD if item == editing.NEW else editing.PART_CHANGE)[key],
        **editing.choices(data, doc, lang)}, status_code=status_code, language=lang)


async def _submit(request: Request, data, lang: str, user, plan_id: str,
                  **part) -> editing.Outcome:
    """Check the editor, read the form and apply it (see :func:`editing.edit`); the
    model's messages come in the page's language ``lang``."""
    await run_in_threadpool(require_editor, request, user, plan_id)
    saving(request, plan_id)
    values = editing.form_values(await request.form())
    return await run_in_threadpool(lambda: editing.edit(data, plan_id, user.username, values,
                                                        lang=lang, **part))


def _done(plan_id: str, saved: dict, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/plannen/{plan_id}/bewerken?opgeslagen="
                            f"{saved['version']}{anchor}", status_code=303)


# -- a new plan ----------------------------------------------------------------------------

@router.get("/plannen/nieuw")
def new_plan_page(request: Request, data: DataDep, lang: LangDep, user: LoggedIn,
                  gemeente: Annotated[str | None, Query(max_length=12)] = None,
                  level: Literal["wijk", "buurt"] = "wijk",
                  vintage: Annotated[int | None, Query(ge=1900, le=2200)] = None):
    picker = editing.area_picker(data, gemeente, level, vintage)
    return render(request, "plan_new.html", {"picker": picker, "values": {"codes": []},
                                             "errors": {}}, language=lang)


@router.post("/plannen/nieuw")
async def new_plan(request: Request, data: DataDep, lang: LangDep, user: LoggedIn):
    values = editing.form_values(await request.form())
    outcome = await run_in_threadpool(lambda: editing.create(data, user.username, values,
                                                             lang=lang))
    if outcome.saved:
        return RedirectResponse(f"/plannen/{outcome.saved['id']}/bewerken", status_code=303)
    picker = await run_in_threadpool(editing.area_picker, data, values.get("gemeente"),
                                     values.get("level") or "wijk",
                                     int(values["vintage"]) if str(values.get(
                                         "vintage", "")).isdigit() else None)
    return render(request, "plan_new.html", {"picker": picker, "values": values,
                                             "errors": outcome.errors,
                                             "summary": outcome.summary},
                  status_code=outcome.status_code, language=lang)


# -- editing -------------------------------------------------------------------------------

@router.get("/plannen/{plan_id}/bewerken")
def edit_page(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
              user: LoggedIn):
    require_editor(request, user, plan_id)
    return _edit_page(request, data, lang, plan_id)


@router.post("/plannen/{plan_id}/bewerken")
async def edit_general(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
                       user: LoggedIn):
    outcome = await _submit(request, data, lang, user, plan_id)
    if outcome.saved:
        return _done(plan_id, outcome.saved)
    return await run_in_threadpool(lambda: _edit_page(
        request, data, lang, plan_id, status_code=outcome.status_code, outcome=outcome))


@router.get("/plannen/{plan_id}/bewerken/{part}/{item}")
def item_page(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId, part: Part,
              item: Item, user: LoggedIn):
    require_editor(request, user, plan_id)
    doc = plan_record(data, plan_id)["plan"]  # read only: cached per version
    values = editing.item_values(doc, editing.PARTS[part], item)
    if values is None:
        raise NotFound(f"plan {plan_id!r} has no {part} {item!r}")
    return _item_page(request, data, lang, plan_id, part, item,
                      {**values, "version": str(doc["version"])})


@router.post("/plannen/{plan_id}/bewerken/{part}/{item}")
async def edit_item(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
                    part: Part, item: Item, user: LoggedIn):
    outcome = await _submit(request, data, lang, user, plan_id, part=editing.PARTS[part],
                            item=item)
    if outcome.saved:
        return _done(plan_id, outcome.saved, f"#{part}")
    return await run_in_threadpool(lambda: _item_page(
        request, data, lang, plan_id, part, item, outcome.values,
        status_code=outcome.status_code, outcome=outcome))


@router.post("/plannen/{plan_id}/bewerken/{part}/{item}/verwijderen")
async def delete_item(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
                      part: Part, item: Item, user: LoggedIn):
    outcome = await _submit(request, data, lang, user, plan_id, part=editing.PARTS[part],
                            item=item, delete=True)
    if outcome.saved:
        return _done(plan_id, outcome.saved, f"#{part}")
    # the page is shown again at the current version: deleting once more applies it there
    outcome.values = {}
    return await run_in_threadpool(lambda: _edit_page(
        request, data, lang, plan_id, status_code=outcome.status_code, outcome=outcome))


# -- the audit trail -------------------------------------------------------------------------

@router.get("/plannen/{plan_id}/versies")
def versions_page(request: Request, data: DataDep, lang: LangDep, plan_id: PlanId,
                  user: CurrentUser, page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    access = require_plan(request, user, plan_id, edit=user is not None)
    return render(request, "plan_versions.html", {
        "plan": plan_record(data, plan_id, access.version)["plan"],
        "trail": editing.history(plan_store(data), plan_id, page),
        "can_edit": access.may_edit}, language=lang)


@router.post("/plannen/{plan_id}/versies/{version}/terugzetten")
def restore_version(request: Request, data: DataDep, plan_id: PlanId,
                    version: Annotated[int, Path(ge=1)], user: LoggedIn):
    require_editor(request, user, plan_id)
    saving(request, plan_id)
    restore_plan(data, plan_id, version, user.username)
    return RedirectResponse(f"/plannen/{plan_id}/versies", status_code=303)
