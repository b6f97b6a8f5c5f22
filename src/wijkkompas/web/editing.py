"""Plan editing in the browser: forms applied to the plan document, saved like an import.

A form never writes the database itself. Each submit takes the *current* stored
document, labels it with the ``version`` the form was based on, puts the form's part
into it and saves it through :func:`~wijkkompas.web.views.save_plan` (so
:func:`wijkkompas.plans.save_document` validates a browser edit exactly like an imported
file). A form based on an older version therefore fails with StaleVersionError instead
of overwriting someone else's change; re-submitting the same input with the newer
version applies it to the current document.

Form values stay text until the model reads them: the model's own checks produce the
messages, and the key of a :class:`~wijkkompas.errors.PlanError`
(``goals[2].target.year``) maps to the form field (``target_year``) by :func:`field_for`.
The message is shown in the page's language (every PlanError a form can meet carries
its reason in Dutch too, see :meth:`PlanError.reason_in`).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import PlanError, StaleVersionError
from ..plans.model import TARGET_KINDS
from .i18n import N_, gettext

# URL segment -> document key; participation has no ids, its items are numbered
PARTS = {"doelen": "goals", "maatregelen": "measures", "partners": "partners",
         "deelname": "participation"}
# the audit trail's messages are Dutch, as the CLI's ("aangemaakt", "gewijzigd")
PART_WORDS = {"goals": "doel", "measures": "maatregel", "partners": "partner",
              "participation": "deelname"}
# each part's heading and its buttons
PART_TITLES = {"goals": N_("Goals"), "measures": N_("Measures"), "partners": N_("Partners"),
               "participation": N_("How residents take part")}
PART_ADD = {"goals": N_("Add a goal"), "measures": N_("Add a measure"),
            "partners": N_("Add a partner"), "participation": N_("Add a form of participation")}
PART_CHANGE = {"goals": N_("Change a goal"), "measures": N_("Change a measure"),
               "partners": N_("Change a partner"), "participation": N_("Change participation")}
# plans/model.py's BUILTIN_REFERENCES in words; a plan's own groups go by their names
REFERENCE_NAMES = {"g4": N_("G4 (Amsterdam, Rotterdam, The Hague, Utrecht)"),
                   "gemeente": N_("the area's own municipality"), "land": N_("The Netherlands")}
NEW = "nieuw"
EXTRA_MILESTONES = 2      # empty milestone rows under the filled ones
_CODES = re.compile(r"[\s,;]+")
_DUTCH_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def form_values(form) -> dict:
    """Starlette FormData -> dict; the repeated fields (checkboxes) as lists."""
    out: dict = {}
    for name in form.keys():
        values = form.getlist(name)
        out[name] = values if name in ("codes", "partners", "goals") else str(values[-1])
    return out


def codes_of(values: dict) -> list[str]:
    """Area codes from the picker's checkboxes and the typed field, in order, once."""
    typed = _CODES.split(values.get("more_codes", "") or "")
    picked = list(values.get("codes") or []) + typed
    return list(dict.fromkeys(c.strip().upper() for c in picked if c.strip()))


def _text(values: dict, name: str) -> str:
    return (values.get(name) or "").strip()


def _optional(d: dict, **fields) -> dict:
    # an emptied field is left out of the document, as an import would leave it out
    d.update({k: v for k, v in fields.items() if v not in ("", None, [])})
    return d


def _amount(text: str) -> str:
    """Dutch money as advisers type it (``€ 1.250.000``) -> text the model reads as a
    number; anything else is passed on unchanged, so the model names what is wrong."""
    text = text.replace("€", "").replace(" ", "").strip()
    return text.replace(".", "") if _DUTCH_THOUSANDS.match(text) else text


# -- the parts: document item <-> form values ------------------------------------------

def new_document(values: dict) -> dict:
    return {"id": _text(values, "id"), "title": _text(values, "title"),
            "area": {"name": _text(values, "area_name"), "vintage": _text(values, "vintage"),
                     "codes": codes_of(values)},
            "horizon": {"start": _text(values, "horizon_start"),
                        "end": _text(values, "horizon_end")}}


def general_values(doc: dict, picker: dict) -> dict:
    """The general form of a stored plan: its codes ticked in the picker's list, the
    codes the list does not show in the text field."""
    shown = {a["code"] for a in picker["areas"]}
    codes = doc["area"]["codes"]
    return {"title": doc["title"], "vision": doc.get("vision", ""),
            "horizon_start": str(doc["horizon"]["start"]),
            "horizon_end": str(doc["horizon"]["end"]), "area_name": doc["area"]["name"],
            "codes": [c for c in codes if c in shown],
            "more_codes": " ".join(c for c in codes if c not in shown)}


def apply_general(doc: dict, values: dict) -> None:
    doc["title"] = _text(values, "title")
    doc["vision"] = _text(values, "vision")
    doc["horizon"] = {"start": _text(values, "horizon_start"),
                      "end": _text(values, "horizon_end")}
    doc["area"] = {"name": _text(values, "area_name"), "codes": codes_of(values),
                   "vintage": _text(values, "vintage") or doc["area"]["vintage"]}


def _target_values(target: dict | None, prefix: str) -> dict:
    if not target:
        return {}
    kind = next((k for k in TARGET_KINDS if k in target), "value")
    return {f"{prefix}year": str(target["year"]), f"{prefix}kind": kind,
            f"{prefix}amount": str(target[kind]),
            f"{prefix}reference": target.get("reference", "")}


def _target(values: dict, prefix: str, old: dict | None) -> dict:
    kind = _text(values, f"{prefix}kind") or "value"
    target = {"year": _text(values, f"{prefix}year"),
              kind: _amount(_text(values, f"{prefix}amount"))}
    if kind == "close_gap":
        target["reference"] = _text(values, f"{prefix}reference")
    if old and old.get("note"):  # the form has no note field: keep the file's note
        target["note"] = old["note"]
    return target


def goal_values(goal: dict) -> dict:
    out = {"id": goal["id"], "pillar": goal["pillar"], "title": goal["title"],
           "indicator": goal["indicator"], "description": goal.get("description", ""),
           "reference": goal.get("reference", ""),
           "baseline_period": str(goal["baseline"]["period"]),
           "baseline_value": str(goal["baseline"].get("value", ""))}
    out.update(_target_values(goal["target"], "target_"))
    for j, m in enumerate(goal.get("milestones", [])):
        out.update(_target_values(m, f"milestones-{j}-"))
    return out


def milestone_rows(values: dict) -> int:
    """How many milestone rows the goal form shows: the filled ones and some empty."""
    filled = [int(k.split("-")[1]) for k in values if re.match(r"^milestones-\d+-year$", k)]
    return (max(filled) + 1 if filled else 0) + EXTRA_MILESTONES


def goal_from(values: dict, old: dict | None) -> dict:
    old = old or {}
    baseline = dict(old.get("baseline") or {})
    baseline["period"] = _text(values, "baseline_period")
    baseline.pop("value", None)
    _optional(baseline, value=_amount(_text(values, "baseline_value")))
    milestones, olds = [], old.get("milestones", [])
    for j in range(milestone_rows(values)):
        prefix = f"milestones-{j}-"
        if _text(values, f"{prefix}year") or _text(values, f"{prefix}amount"):
            milestones.append(_target(values, prefix, olds[j] if j < len(olds) else None))
    goal = {"id": _text(values, "id"), "pillar": _text(values, "pillar"),
            "title": _text(values, "title"), "indicator": _text(values, "indicator"),
            "baseline": baseline, "target": _target(values, "target_", old.get("target"))}
    return _optional(goal, description=_text(values, "description"),
                     reference=_text(values, "reference"), milestones=milestones)


def measure_values(measure: dict) -> dict:
    out: dict[str, Any] = {k: str(measure.get(k) or "") for k in (
        "id", "title", "pillar", "description", "lead", "start", "end", "status")}
    out["partners"] = list(measure.get("partners", []))
    out["goals"] = list(measure.get("goals", []))
    out.update({f"budget_{y}": str(v) for y, v in measure.get("budget", {}).items()})
    return out


def measure_from(values: dict, old: dict | None) -> dict:
    budget = {name[7:]: _amount(_text(values, name)) for name in values
              if name.startswith("budget_") and _text(values, name)}
    measure = {"id": _text(values, "id"), "title": _text(values, "title"),
               "pillar": _text(values, "pillar"),
               "status": _text(values, "status") or "gepland"}
    return _optional(measure, description=_text(values, "description"),
                     lead=_text(values, "lead") or None, start=_text(values, "start"),
                     end=_text(values, "end"), budget=budget,
                     partners=list(values.get("partners") or []),
                     goals=list(values.get("goals") or []))


def partner_values(partner: dict) -> dict:
    return {k: partner.get(k, "") for k in ("id", "name", "kind", "role")}


def partner_from(values: dict, old: dict | None) -> dict:
    partner = {k: _text(values, k) for k in ("id", "name", "kind")}
    return _optional(partner, role=_text(values, "role"))


def participation_values(item: dict) -> dict:
    return {"form": item.get("form", ""), "description": item.get("description", "")}


def participation_from(values: dict, old: dict | None) -> dict:
    return _optional({"form": _text(values, "form")},
                     description=_text(values, "description"))


ITEM_FORMS = {"goals": (goal_values, goal_from), "measures": (measure_values, measure_from),
              "partners": (partner_values, partner_from),
              "participation": (participation_values, participation_from)}


# -- items in the document ---------------------------------------------------------------

def find_item(doc: dict, part: str, item: str) -> int | None:
    """The index of an item: by id, or by number for participation (``nieuw``: None)."""
    items = doc.get(part) or []
    if item == NEW:
        return None
    if part == "participation":
        return int(item) if item.isdigit() and int(item) < len(items) else None
    return next((i for i, x in enumerate(items) if x.get("id") == item), None)


def item_values(doc: dict, part: str, item: str) -> dict | None:
    """The form values of an existing item (None: no such item), or empty for ``nieuw``."""
    if item == NEW:
        return {}
    index = find_item(doc, part, item)
    return None if index is None else ITEM_FORMS[part][0](doc[part][index])


def put_item(doc: dict, part: str, item: str, values: dict) -> int:
    """Replace the item (or add it when it is new, or was deleted meanwhile, so that the
    adviser's input is not lost); returns its index, the prefix of its error keys."""
    items = doc.setdefault(part, [])
    index = find_item(doc, part, item)
    built = ITEM_FORMS[part][1](values, items[index] if index is not None else None)
    if index is None:
        items.append(built)
        return len(items) - 1
    items[index] = built
    return index


def remove_item(doc: dict, part: str, item: str) -> None:
    index = find_item(doc, part, item)
    if index is not None:
        del doc[part][index]


def field_for(key: str | None, prefix: str) -> str | None:
    """The form field of a PlanError key: ``goals[0].target.year`` -> ``target_year``,
    ``goals[0].milestones[1].way`` -> ``milestones-1-amount``, ``measures[2].budget.2021``
    -> ``budget_2021``, ``area.codes[3]`` -> ``more_codes``. None when the key lies
    outside the part the form edits (the message then stands above the form)."""
    if not key:
        return None
    if prefix:
        if not key.startswith(prefix + "."):
            return None
        key = key[len(prefix) + 1:]
    parts = key.split(".")
    if parts[0] in ("target",) or re.match(r"^milestones\[\d+\]$", parts[0]):
        if len(parts) == 1 or parts[1] in TARGET_KINDS:
            parts = [parts[0], "amount"]
    name = ".".join(parts)
    name = re.sub(r"\[(\d+)\]\.", r"-\1-", name)
    name = re.sub(r"\[\d+\]$", "", name).replace(".", "_")
    return {"area_codes": "more_codes", "horizon": "horizon_end"}.get(name, name)


# -- saving ------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What a submit did: saved (id and version), or why not with the input kept."""
    values: dict
    saved: dict | None = None
    errors: dict = field(default_factory=dict)     # field -> reason; "" -> the message
    conflict: dict | None = None                   # the version that overtook the form
    # the error summary: every error in form order, in words ("Beginjaar: ..."), each
    # with the field it links to (None: a key outside the form)
    summary: list = field(default_factory=list)

    @property
    def status_code(self) -> int:
        return 303 if self.saved else 409 if self.conflict else 422


def _based_on(values: dict) -> int | None:
    text = _text(values, "version")
    return int(text) if text.isdigit() and int(text) > 0 else None


def conflict_info(plans, plan_id: str) -> dict:
    """Who saved the version the form did not know, and when."""
    latest = plans.versions(plan_id)[-1]
    return {"version": latest.version, "author": latest.author,
            "created_at": latest.created_at.isoformat()[:16].replace("T", " "),
            "message": latest.message}


def save(data, document: dict, author: str, values: dict, *, prefix: str, create: bool,
         message: str, lang: str) -> Outcome:
    """Save a document built from a form; a PlanError becomes a message on its field, in
    the page's language ``lang``."""
    from .views import plan_store, save_plan

    outcome = Outcome(values=values)
    try:
        outcome.saved = save_plan(data, document, author, create=create, message=message)
    except StaleVersionError:
        outcome.conflict = conflict_info(plan_store(data), document["id"])
        # the re-shown form applies the same input to the current version when sent
        outcome.values = {**values, "version": str(outcome.conflict["version"])}
    except PlanError as exc:
        # every problem the model reports on its field, then every other field whose own
        # value the model's checks refuse (field_errors), all at once
        for error in exc.errors:
            field_name = field_for(error.key, prefix)
            if field_name:
                outcome.errors.setdefault(field_name, error.reason_in(lang))
            else:
                # a key outside the form: the whole message (plan and key, as the CLI
                # says it), of the first such problem
                outcome.errors.setdefault("", error.message_in(lang))
        for name, reason in field_errors(values, prefix, lang).items():
            outcome.errors.setdefault(name, reason)
        outcome.summary = error_summary(outcome.errors, values, prefix, lang,
                                        new=create)
    return outcome


# -- every error at once, in words ---------------------------------------------------------

# what each form's fields must be by themselves, checked with the model's own checks;
# "?": may be empty
FIELD_CHECKS = {
    "": {"id": "plan_id", "title": "required", "area_name": "required",
         "horizon_start": "year", "horizon_end": "year", "more_codes": "codes"},
    "goals": {"id": "slug", "title": "required", "pillar": "required",
              "indicator": "required", "baseline_period": "year?",
              "baseline_value": "number?", "target_year": "year",
              "target_amount": "number"},
    "measures": {"id": "slug", "title": "required", "pillar": "required",
                 "start": "year?", "end": "year?"},
    "partners": {"id": "slug", "name": "required"},
    "participation": {"form": "required"},
}


def _checks_of(values: dict, part: str) -> dict:
    """Field -> check for the fields this form sent: the fixed ones, the filled milestone
    rows and the budget years."""
    checks = {name: kind for name, kind in FIELD_CHECKS.get(part, {}).items()
              if name in values or (kind == "codes" and "codes" in values)}
    if part == "goals":
        for j in range(milestone_rows(values)):
            pre = f"milestones-{j}-"
            if _text(values, f"{pre}year") or _text(values, f"{pre}amount"):
                checks.update({f"{pre}year": "year", f"{pre}amount": "number"})
    if part == "measures":
        checks.update({name: "number?" for name in values if name.startswith("budget_")})
    return checks


# check -> the value it is run on, from the form's text
_CHECKS = {
    "required": lambda text, values: text or None,
    "slug": lambda text, values: text or None,
    "plan_id": lambda text, values: text or None,
    "year": lambda text, values: text,
    "number": lambda text, values: _amount(text),
    "codes": lambda text, values: codes_of(values),
}


def field_errors(values: dict, prefix: str, lang: str) -> dict:
    """The form's fields each checked by itself with the model's own checks (required
    text, ids, years, numbers, the area's codes:
    :func:`wijkkompas.plans.model.value_problem`), so that a form shows all its errors at
    once, also those the model does not reach: its whole-document checks (horizon,
    references between items) run only on a document of valid form. Field -> reason in
    ``lang``."""
    from ..plans.model import value_problem

    errors = {}
    for name, kind in _checks_of(values, prefix.split("[")[0]).items():
        text = _text(values, name)
        if kind.endswith("?"):
            if not text:
                continue
            kind = kind[:-1]
        problem = value_problem(kind, _CHECKS[kind](text, values))
        if problem is not None:
            errors[name] = problem.nl if lang == "nl" else problem.en
    return errors


# the label of each form field, as the form shows it (a pair: "End target: year")
FIELD_LABELS: dict[str, dict[str, str | tuple[str, str]]] = {
    "": {"id": N_("Plan id"), "title": N_("Plan title"), "area_name": N_("Name of the plan area"),
         "horizon_start": N_("First year"), "horizon_end": N_("Last year"),
         "more_codes": N_("Or type the area codes"), "vision": N_("Vision")},
    "goals": {"title": N_("Title"), "pillar": N_("Pillar"), "indicator": N_("Indicator"),
              "description": N_("Description"),
              "reference": N_("Comparison group in the chart"),
              "baseline_period": N_("Baseline year"), "baseline_value": N_("Baseline value"),
              "target_year": (N_("End target"), N_("Year")),
              "target_kind": (N_("End target"), N_("Kind of target")),
              "target_amount": (N_("End target"), N_("Number")),
              "target_reference": (N_("End target"), N_("Reference group"))},
    "measures": {"title": N_("Title"), "pillar": N_("Pillar"), "description": N_("Description"),
                 "lead": N_("Lead partner"), "partners": N_("Partners"),
                 "goals": N_("Contributes to the goals"), "start": N_("Start year"),
                 "end": N_("End year"), "status": N_("Status")},
    "partners": {"name": N_("Name"), "kind": N_("Kind"), "role": N_("Role")},
    "participation": {"form": N_("Form"), "description": N_("Description")},
}
MILESTONE_LABELS = {"year": N_("Year"), "kind": N_("Kind of target"), "amount": N_("Number"),
                    "reference": N_("Reference group")}
# fields drawn as a group of checkboxes: the link goes to the first box
CHECK_FIELDS = {"partners", "goals"}


def field_label(name: str, prefix: str, lang: str, *, new: bool = False) -> str:
    """The label a user sees on the field (``horizon_start`` -> ``Beginjaar``); ``new``:
    the new-plan form."""
    part = prefix.split("[")[0]
    if name == "id":
        return gettext(lang, N_("Plan id")) if part == "" else "Id"
    if name == "more_codes" and part == "":
        return gettext(lang, N_("Or type the area codes") if new
                       else N_("Other area codes of the plan area"))
    milestone = re.match(r"^milestones-(\d+)-(\w+)$", name)
    if milestone:
        j, what = int(milestone.group(1)), milestone.group(2)
        part_label = MILESTONE_LABELS.get(what)
        what = gettext(lang, part_label) if part_label else what
        milestone_word = gettext(lang, N_("Milestone"))
        return f"{milestone_word} {j + 1}: {what.lower()}"
    if name.startswith("budget_"):
        budget = gettext(lang, N_("Budget per year (euro)"))
        return f"{budget}, {name[7:]}"
    label = FIELD_LABELS.get(part, {}).get(name)
    if label is None:
        return name
    if isinstance(label, tuple):
        return f"{gettext(lang, label[0])}: {gettext(lang, label[1]).lower()}"
    return gettext(lang, label)


def error_summary(errors: dict, values: dict, prefix: str, lang: str, *,
                  new: bool = False) -> list[dict]:
    """The summary above the form: each field's error as ``Label: reason`` with the id of
    the field it links to, in the order of the form; a message outside the form first."""
    order = {name: i for i, name in enumerate(values)}
    out = [{"field": None, "href": None, "text": errors[""]}] if errors.get("") else []
    for name in sorted((n for n in errors if n), key=lambda n: order.get(n, len(order))):
        target = f"f-{name}-1" if name in CHECK_FIELDS else f"f-{name}"
        out.append({"field": name, "href": f"#{target}",
                    "text": f"{field_label(name, prefix, lang, new=new)}: {errors[name]}"})
    return out


def edit(data, plan_id: str, author: str, values: dict, *, lang: str,
         part: str | None = None, item: str = NEW, delete: bool = False) -> Outcome:
    """Apply a form (the general part when ``part`` is None, else one item of ``part``,
    or delete it) to the current document and save it as based on ``values["version"]``."""
    from .views import plan_store

    doc = plan_store(data).get(plan_id).to_dict()
    doc["version"] = _based_on(values)
    if part is None:
        apply_general(doc, values)
        prefix, message = "", "algemeen deel gewijzigd"
    elif delete:
        remove_item(doc, part, item)
        prefix, message = part, f"{PART_WORDS[part]} {item} verwijderd"
    else:
        prefix = f"{part}[{put_item(doc, part, item, values)}]"
        what = (values.get("id") or values.get("form") or item).strip()
        message = f"{PART_WORDS[part]} {what} " + ("toegevoegd" if item == NEW
                                                      else "gewijzigd")
    return save(data, doc, author, values, prefix=prefix, create=False, message=message,
                lang=lang)


def create(data, author: str, values: dict, *, lang: str) -> Outcome:
    return save(data, new_document(values), author, values, prefix="", create=True,
                message="aangemaakt in de webapp", lang=lang)


# -- the audit trail -----------------------------------------------------------------------

VERSIONS_PER_PAGE = 20


def history(plans, plan_id: str, page: int = 1, per_page: int = VERSIONS_PER_PAGE) -> dict:
    """One page of the audit trail, newest first: each version with its author, time,
    message and a line diff of its YAML against the version before. Only the page's
    versions (and the one before the oldest of them) are read, so a plan with hundreds of
    versions opens as fast as a new one. ``page`` beyond the last gives the last."""
    from ..plans import dumps_plan

    infos = plans.versions(plan_id)
    pages = max(1, -(-len(infos) // per_page))
    page = min(max(page, 1), pages)
    shown = infos[::-1][(page - 1) * per_page: page * per_page][::-1]

    def text(version: int) -> list[str]:
        if version < 1:
            return []
        return dumps_plan(plans.get(plan_id, version=version), with_version=False).splitlines()

    out, previous = [], text(shown[0].version - 1) if shown else []
    for info in shown:
        current = text(info.version)
        diff = list(difflib.unified_diff(previous, current, f"versie {info.version - 1}",
                                         f"versie {info.version}", n=1, lineterm=""))
        out.append({"version": info.version, "author": info.author,
                    "created_at": info.created_at.isoformat()[:16].replace("T", " "),
                    "message": info.message,
                    "diff": [{"text": line, "kind": _diff_kind(line)} for line in diff[2:]]})
        previous = current
    return {"versions": out[::-1], "page": page, "pages": pages, "total": len(infos),
            "current": infos[-1].version if infos else None}


def _diff_kind(line: str) -> str:
    return {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "context")


# -- what the forms offer ------------------------------------------------------------------

PICK_LEVELS = ("wijk", "buurt")


def choices(data, doc: dict, language: str) -> dict:
    """The options of the item forms: pillars, catalog and plan indicators (label and
    unit), references, partners, goals, the horizon's years."""
    from ..catalog import DOMAINS
    from ..plans.model import BUILTIN_REFERENCES, MEASURE_STATUS, PARTNER_KINDS

    groups: dict[str, list] = {}
    for ind in data.catalog:
        groups.setdefault(DOMAINS.get(ind.domain, {}).get(language, ind.domain), []).append(
            {"id": ind.id, "label": f"{ind.label(language)} ({ind.unit})"})
    own = [{"id": i["id"], "label": f"{i['label']} ({i['unit']})"}
           for i in doc.get("indicators", [])]
    indicator_groups = ([{"label": gettext(language, N_("The plan's own indicators")),
                          "items": own}] if own else []) + [
        {"label": label, "items": sorted(items, key=lambda x: x["label"].lower())}
        for label, items in groups.items()]
    start, end = int(doc["horizon"]["start"]), int(doc["horizon"]["end"])
    return {"pillars": doc.get("pillars", []), "indicator_groups": indicator_groups,
            "references": list(BUILTIN_REFERENCES) + list(doc.get("reference_groups", {})),
            "reference_names": REFERENCE_NAMES,
            "partners": doc.get("partners", []), "goals": doc.get("goals", []),
            "partner_kinds": PARTNER_KINDS, "statuses": MEASURE_STATUS,
            "budget_years": list(range(start, end + 1))}


def plan_picker(data, doc: dict, values: dict) -> dict:
    """The picker of the edit page: what the form asked for, else the plan's own
    gemeente, level and vintage."""
    area = doc["area"]
    level = values.get("level") or ("buurt" if all(c.startswith("BU") for c in area["codes"])
                                    else "wijk")
    vintage = str(values.get("vintage") or area["vintage"])
    gemeente = values.get("gemeente") or next(
        (f"GM{c[2:6]}" for c in area["codes"]), None)
    return area_picker(data, gemeente, level if level in PICK_LEVELS else "wijk",
                       int(vintage) if vintage.isdigit() else None)


def area_picker(data, gemeente: str | None, level: str, vintage: int | None) -> dict:
    """The wijken or buurten of a gemeente to pick a plan area from, with the boundary
    layers that draw them (the nearest boundary vintage that has each code)."""
    vintages = data.names().vintages(level)
    vintage = vintage if vintage in vintages else (vintages[-1] if vintages else None)
    areas: list[dict] = []
    layers: list[dict] = []
    if gemeente and vintage:
        rows = data.names().areas(level=level, vintage=vintage, gemeente=gemeente) \
            .sort_values("name", kind="stable")
        areas = [{"code": r.code, "name": r.name or r.code} for r in rows.itertuples()]
        matched = data.match_boundaries(level, vintage, [a["code"] for a in areas])
        layers = [{"url": f"/api/geometry/{level}/{v}.geojson", "codes": codes}
                  for v, codes in sorted(matched.items())]
    return {"gemeente": (gemeente or "").upper(), "level": level, "vintage": vintage,
            "vintages": vintages, "levels": PICK_LEVELS, "areas": areas, "layers": layers,
            "gemeenten": data.gemeenten()}
