"""The plan model: an integrated multi-year area plan as plain dataclasses.

A plan document (YAML or JSON, see ``examples/den-haag-zuidwest.yaml``) has::

    id: den-haag-zuidwest            # lower-case slug, the plan's key in the database
    title: ...
    area: {name, vintage, codes: [WK..., BU...]}   # buurten or wijken of one vintage
    horizon: {start: 2015, end: 2030}
    vision: "..."
    pillars: [...]                   # default: the four pillars of PILLARS
    partners: [{id, name, kind, role}]
    participation: [{form, description}]          # how residents take part
    reference_groups: {name: [codes]}             # extra groups; g4, gemeente, land built in
    indicators: [...]                # plan-specific indicators with their own data
    goals: [{id, pillar, title, indicator, baseline: {period}, target, milestones}]
    measures: [{id, title, pillar, lead, partners, start, end, budget: {year: euro}, status}]

A target or milestone is written in one of four ways (as NPRZ writes its targets)::

    {year: 2030, value: 6.0}                      # an absolute value
    {year: 2030, change_pct: -25}                 # a relative change from the baseline, in %
    {year: 2030, close_gap: 50, reference: g4}    # close 50% of the baseline gap to a group
    {year: 2022, way: 25}                         # milestones only: 25% of the way from the
                                                  # baseline to the end target

The reference of ``close_gap`` is ``g4`` (GM0363, GM0599, GM0518, GM0344), ``gemeente``
(the plan area's own city), ``land`` (NL01), a group of ``reference_groups``, or one
area code. The gap is measured at the baseline period, so that the target is a fixed
number from the day the plan is set (a moving reference would move the goalposts).

Validation here is structural, in two steps. The document's form is :class:`PlanDoc`
(pydantic; published as ``docs/schemas/plan.schema.json``): types, known keys, ids,
years, each value by itself. A document of valid form is then checked as a whole
(:class:`_Checks`: pillars, partners, goals and references named exist, years inside
the horizon, ids used once, catalog indicators) and built into the dataclasses above.
Each step reports every problem it finds at once, in one :class:`PlanError` (the first
problem's key and reason, the others in ``more``), each naming the file and the key
(``goals[2].target.year``) with its reason in English and Dutch; nothing is changed
when one is raised. Whether the area codes exist and figures are there is checked
against a store in :mod:`wijkkompas.plans.figures`.

Round trip: ``Plan.from_dict(plan.to_dict()) == plan`` for every valid plan; ``to_dict``
writes the normalised document (defaults filled in), so an export re-imports unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..catalog import Catalog
from ..errors import PlanError
from ..geo.codes import COUNTRY
from ..validation import Problem, Strict, fail, problems

PILLARS = {
    "sociale_basis": {"nl": "Sociale basis", "en": "Social base",
                      "description": "Goede voorzieningen die kwetsbare groepen ondersteunen."},
    "sociale_stijging": {"nl": "Sociale stijging", "en": "Social mobility",
                         "description": "Onderwijs, activering en werk."},
    "sociale_herovering": {"nl": "Sociale herovering", "en": "Social reclaiming",
                           "description": "Handhaving, aanpak van criminaliteit en overlast, "
                                          "gewenst gedrag stimuleren."},
    "fysieke_investeringen": {"nl": "Fysieke investeringen", "en": "Physical investment",
                              "description": "Woningen, verduurzaming en openbare ruimte, "
                                             "in dienst van het perspectief van bewoners."},
}
PARTNER_KINDS = ("gemeente", "corporatie", "sociaal_werk", "politie", "scholen", "zorg",
                 "bewoners", "ondernemers", "rijk", "overig")
MEASURE_STATUS = ("gepland", "lopend", "afgerond", "gestopt")
G4 = ("GM0363", "GM0599", "GM0518", "GM0344")
BUILTIN_REFERENCES = ("g4", "gemeente", "land")
TARGET_KINDS = ("value", "change_pct", "close_gap", "way")
DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
INDICATOR_KINDS = ("count", "share", "rate", "mean", "index")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A plan's id is its address (/plannen/<id>, /api/plans/<id>): one rule for every
# interface, so that no interface makes a plan that another cannot open. At most
# PLAN_ID_MAX characters, and never a fixed path segment of those routes.
PLAN_ID_MAX = 64
RESERVED_PLAN_IDS = frozenset({"nieuw"})


def id_unavailable(plan_id: str, *, file: str | None = None) -> PlanError:
    """The one refusal of an id that cannot be used: reserved (a page's address) or, for
    someone who may not see it, a private plan's. The same words for both, so that the
    answer never tells whether a private plan exists."""
    return PlanError(f"{plan_id!r} cannot be used as a plan id: choose another", file=file,
                     key="id", nl=f"{plan_id!r} kan geen plan-id zijn: kies een ander")
_CODE = re.compile(r"^(NL\d\d|GM\d{4}|WK\d{6}|BU\d{8}|[A-Z]{2}[0-9A-Z]*\d[0-9A-Z]*)$")


# -- dataclasses -----------------------------------------------------------------------

@dataclass
class PlanArea:
    name: str
    codes: list[str]
    vintage: int

    @property
    def level(self) -> str:
        """``wijk`` or ``buurt`` (from the code prefix); ``gemengd`` if both occur."""
        levels = {_level_of(c) for c in self.codes}
        return levels.pop() if len(levels) == 1 else "gemengd"

    @property
    def gemeente(self) -> str | None:
        """The gemeente of the codes (digits 3-6 of WK/BU codes), when they share one."""
        found = {f"GM{c[2:6]}" for c in self.codes if c[:2] in ("WK", "BU")}
        return found.pop() if len(found) == 1 else None


@dataclass
class Pillar:
    id: str
    label: str
    description: str = ""


@dataclass
class Partner:
    id: str
    name: str
    kind: str
    role: str = ""


@dataclass
class Participation:
    form: str
    description: str = ""


@dataclass
class PlanIndicator:
    """A plan-specific indicator with its own figures for the plan area (and groups).

    ``data`` rows: ``{period, value}`` for the plan area, or ``{period, value, area}``
    for a reference group or area (``area`` is a reference name or a code).
    """
    id: str
    label: str
    unit: str
    direction: str
    kind: str = "share"
    definition: str = ""
    source: str = ""
    data: list[dict] = field(default_factory=list)


@dataclass
class Target:
    """An end target or a milestone: a year and one way of writing the goal value."""
    year: int
    kind: str            # one of TARGET_KINDS
    amount: float
    reference: str | None = None    # close_gap only
    note: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"year": self.year, self.kind: self.amount}
        if self.reference is not None:
            out["reference"] = self.reference
        if self.note:
            out["note"] = self.note
        return out

    def describe(self, unit: str = "") -> str:
        """Dutch wording, e.g. ``25% van de achterstand op de G4 inlopen``."""
        amount = _nl(self.amount)
        if self.kind == "value":
            return f"{amount}{' ' + unit if unit and unit != '%' else unit}"
        if self.kind == "change_pct":
            return f"{'+' if self.amount > 0 else ''}{amount}% t.o.v. de nulmeting"
        if self.kind == "close_gap":
            ref = {"g4": "de G4", "gemeente": "de gemeente", "land": "Nederland"}.get(
                self.reference or "", self.reference)
            return f"{amount}% van de achterstand op {ref} inlopen"
        return f"{amount}% van de weg naar het einddoel"


@dataclass
class Baseline:
    period: str
    value: float | None = None     # None: computed from the store (see figures.py)
    note: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"period": self.period}
        if self.value is not None:
            out["value"] = self.value
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Goal:
    id: str
    pillar: str
    title: str
    indicator: str
    baseline: Baseline
    target: Target
    milestones: list[Target] = field(default_factory=list)
    description: str = ""
    reference: str | None = None    # the group shown beside the plan area in charts


@dataclass
class Measure:
    id: str
    title: str
    pillar: str
    description: str = ""
    lead: str | None = None
    partners: list[str] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    budget: dict[int, float] = field(default_factory=dict)   # euro per year
    status: str = "gepland"
    goals: list[str] = field(default_factory=list)

    @property
    def total_budget(self) -> float:
        return float(sum(self.budget.values()))


@dataclass
class Plan:
    id: str
    title: str
    area: PlanArea
    start: int
    end: int
    vision: str = ""
    pillars: list[Pillar] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    participation: list[Participation] = field(default_factory=list)
    reference_groups: dict[str, list[str]] = field(default_factory=dict)
    indicators: list[PlanIndicator] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    version: int | None = None     # the stored version this document was read from

    # -- lookups ------------------------------------------------------------------------

    def pillar(self, pillar_id: str) -> Pillar:
        return next(p for p in self.pillars if p.id == pillar_id)

    def plan_indicator(self, indicator_id: str) -> PlanIndicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def reference_codes(self, name: str) -> list[str]:
        """The area codes of a reference: g4, gemeente, land, a custom group or a code."""
        if name in self.reference_groups:
            return list(self.reference_groups[name])
        if name == "g4":
            return list(G4)
        if name == "gemeente":
            return [self.area.gemeente] if self.area.gemeente else []
        if name == "land":
            return [COUNTRY]
        return [name]

    def reference_label(self, name: str) -> str:
        if name == "g4":
            return "G4 (Amsterdam, Rotterdam, Den Haag, Utrecht)"
        if name == "gemeente":
            return f"gemeente ({self.area.gemeente})" if self.area.gemeente else "gemeente"
        if name == "land":
            return "Nederland"
        return name

    # -- documents ----------------------------------------------------------------------

    def to_dict(self, *, with_version: bool = True) -> dict:
        """The normalised document (YAML/JSON-ready: plain lists, dicts, str, numbers)."""
        doc: dict[str, Any] = {"id": self.id, "title": self.title}
        if with_version and self.version is not None:
            doc["version"] = self.version
        doc["area"] = {"name": self.area.name, "vintage": self.area.vintage,
                       "codes": list(self.area.codes)}
        doc["horizon"] = {"start": self.start, "end": self.end}
        doc["vision"] = self.vision
        doc["pillars"] = [_drop_empty({"id": p.id, "label": p.label,
                                       "description": p.description}) for p in self.pillars]
        doc["partners"] = [_drop_empty({"id": p.id, "name": p.name, "kind": p.kind,
                                        "role": p.role}) for p in self.partners]
        doc["participation"] = [_drop_empty({"form": p.form, "description": p.description})
                                for p in self.participation]
        doc["reference_groups"] = {k: list(v) for k, v in self.reference_groups.items()}
        doc["indicators"] = [_drop_empty({
            "id": i.id, "label": i.label, "unit": i.unit, "direction": i.direction,
            "kind": i.kind, "definition": i.definition, "source": i.source,
            "data": [dict(row) for row in i.data]}) for i in self.indicators]
        doc["goals"] = [_drop_empty({
            "id": g.id, "pillar": g.pillar, "title": g.title, "indicator": g.indicator,
            "description": g.description, "reference": g.reference,
            "baseline": g.baseline.to_dict(), "target": g.target.to_dict(),
            "milestones": [m.to_dict() for m in g.milestones]}) for g in self.goals]
        doc["measures"] = [_drop_empty({
            "id": m.id, "title": m.title, "pillar": m.pillar, "description": m.description,
            "lead": m.lead, "partners": list(m.partners), "start": m.start, "end": m.end,
            "budget": {int(y): v for y, v in sorted(m.budget.items())}, "status": m.status,
            "goals": list(m.goals)}) for m in self.measures]
        if self.meta:
            doc["meta"] = dict(self.meta)
        return doc

    @classmethod
    def from_dict(cls, doc: Any, *, file: str | None = None,
                  catalog: Catalog | None = None) -> Plan:
        """Validate a document and build the plan (:func:`parse_plan`); the
        :class:`PlanError` names file and key of every problem."""
        return parse_plan(doc, file=file, catalog=catalog)


def _drop_empty(d: dict) -> dict:
    # optional fields that are empty are left out, so exports stay short and round-trip
    return {k: v for k, v in d.items() if v not in (None, "", [], {}) or k in ("data",)}


def _level_of(code: str) -> str:
    return {"WK": "wijk", "BU": "buurt", "GM": "gemeente", "NL": "land"}.get(code[:2], "buurt")


def _nl(value: float) -> str:
    text = f"{value:g}" if float(value) != int(value) else str(int(value))
    return text.replace(".", ",")


# -- the document's form (pydantic; docs/schemas/plan.schema.json) ------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: Any) -> str:
    """Text, numbers written as text (``title: 2030``), stripped; None is empty."""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        fail(None, f"expected text, got {type(value).__name__}",
             f"verwacht tekst, maar kreeg {type(value).__name__}")
    text = str(value).strip()
    if CONTROL_CHARACTERS.search(text):
        # PostgreSQL cannot store NUL, and a NUL in a chart title aborts vl-convert
        # (the whole web worker with it)
        fail(None, "contains a control character (such as NUL); remove it",
             "bevat een stuurteken (zoals NUL); haal het weg")
    return text


def _required(value: Any) -> Any:
    if value is None or value == "":
        fail(None, "is required", "is verplicht")
    return value


def _required_text(value: Any) -> str:
    text = _text(_required(value))
    if not text:
        fail(None, "is required", "is verplicht")
    return text


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        fail(None, f"expected a year such as 2030, got {value!r}",
             f"verwacht een jaartal zoals 2030, maar kreeg {value!r}")
    year = int(value)
    if not 1900 <= year <= 2200:
        fail(None, f"year {year} is out of range",
             f"jaartal {year} valt buiten het mogelijke bereik (1900-2200)")
    return year


def _number(value: Any) -> float:
    """A number; text with a decimal comma (``"1,5"``) too, as the web forms send it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(str(value).replace(",", "."))
        except (TypeError, ValueError):
            fail(None, f"expected a number, got {value!r}",
                 f"verwacht een getal, maar kreeg {value!r}")
    return float(value)


def _slug(value: Any) -> str:
    text = _required_text(value)
    if not _SLUG.match(text):
        fail(None, f"{text!r} is not a valid id (lower-case letters, digits, - and _)",
             f"{text!r} is geen geldige id (kleine letters, cijfers, - en _)")
    return text


def _plan_id(value: Any) -> str:
    text = _slug(value)
    if len(text) > PLAN_ID_MAX:
        fail(None, f"a plan id has at most {PLAN_ID_MAX} characters, not {len(text)}",
             f"een plan-id heeft hoogstens {PLAN_ID_MAX} tekens, niet {len(text)}")
    return text


def _code(value: Any) -> str:
    text = _required_text(value).upper()
    if not _CODE.match(text):
        fail(None, f"{text!r} is not a CBS area code (GM0518, WK051836, BU05183620)",
             f"{text!r} is geen gebiedscode van het CBS (GM0518, WK051836, BU05183620)")
    return text


def _one_of(allowed: tuple[str, ...], default: str | None = None) -> Any:
    """A text that is one of ``allowed`` (empty: ``default``, when there is one)."""
    def check(value: Any) -> str:
        text = _text(value or default) if default else _required_text(value)
        if text not in allowed:
            fail(None, f"expected one of {', '.join(allowed)}",
                 f"verwacht een van: {', '.join(allowed)}")
        return text
    return PlainValidator(check, json_schema_input_type=Literal[allowed])


def _falsy_empty(empty: Any) -> Any:
    """Left empty (``budget:``, ``meta: {}``, ``start: 0``), the value is ``empty``."""
    return BeforeValidator(lambda value: value or empty)


# a list left empty (``goals:``) is no items; ``goals: ""`` is a mistake
_NONE_EMPTY = BeforeValidator(lambda value: [] if value is None else value)


Text = Annotated[str, PlainValidator(_text, json_schema_input_type=str | float | None)]
RequiredText = Annotated[str, PlainValidator(_required_text, json_schema_input_type=str | float)]
Year = Annotated[int, PlainValidator(_year, json_schema_input_type=int | str)]
Number = Annotated[float, PlainValidator(_number, json_schema_input_type=float | str)]
Slug = Annotated[str, PlainValidator(_slug, json_schema_input_type=Annotated[
    str, Field(pattern=_SLUG.pattern)])]
Code = Annotated[str, PlainValidator(_code, json_schema_input_type=str)]
Required = BeforeValidator(_required)   # present and not empty (None, "")
# a target's amount: a number when it is there (``value: null`` is not one)
Amount = Annotated[float | None, PlainValidator(_number, json_schema_input_type=float | str)]


class HorizonDoc(Strict):
    start: Annotated[Year, Required]
    end: Annotated[Year, Required]

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if start is not None and end <= start:
            fail(None, f"end {end} is not after start {start}",
                 f"eindjaar {end} ligt niet na beginjaar {start}")
        return end


class AreaDoc(Strict):
    name: RequiredText
    vintage: Annotated[Year, Required]
    codes: list[Code] = Field(description="the wijken or buurten of the plan area")

    @field_validator("codes", mode="before", json_schema_input_type=list[str])
    @classmethod
    def _some(cls, codes: Any) -> Any:
        if not isinstance(_required(codes), list) or not codes:
            fail(None, "expected a non-empty list of wijk or buurt codes",
                 "kies minstens één wijk of buurt voor het plangebied")
        return codes

    @field_validator("codes")
    @classmethod
    def _wijken_or_buurten(cls, codes: list[str]) -> list[str]:
        for i, code in enumerate(codes):
            if code[:2] not in ("WK", "BU"):
                fail(f"[{i}]", f"{code}: a plan area is made of wijken or buurten",
                     f"{code}: een plangebied bestaat uit wijken of buurten")
            if code in codes[:i]:
                fail(f"[{i}]", f"{code} is listed twice", f"{code} staat er twee keer in")
        return codes


class PillarDoc(Strict):
    """A pillar of the plan; a bare id stands for a known pillar (:data:`PILLARS`)."""

    id: Slug
    label: Text = Field("", description="required for a pillar of your own")
    description: Text = ""

    @model_validator(mode="after")
    def _labelled(self) -> PillarDoc:
        if not self.label and self.id not in PILLARS:
            fail("label", "is required for a pillar of your own",
                 "is verplicht bij een eigen pijler")
        return self


def _known_pillar(value: Any) -> Any:
    if isinstance(value, str):
        if value not in PILLARS:
            fail(None, f"unknown pillar {value!r}: give id and label "
                       f"(known: {', '.join(PILLARS)})",
                 f"onbekende pijler {value!r}: geef een id en een label "
                 f"(bekende pijlers: {', '.join(PILLARS)})")
        return {"id": value, "label": PILLARS[value]["nl"],
                "description": PILLARS[value]["description"]}
    return value


class PartnerDoc(Strict):
    id: Slug
    name: RequiredText
    kind: Annotated[str, Required]
    role: Text = ""

    @field_validator("kind", mode="plain",
                     json_schema_input_type=Literal[PARTNER_KINDS])
    @classmethod
    def _kind(cls, value: Any) -> str:
        kind = _required_text(value)
        if kind not in PARTNER_KINDS:
            fail(None, f"unknown kind {kind!r} (one of {', '.join(PARTNER_KINDS)})",
                 f"onbekende soort {kind!r} (een van: {', '.join(PARTNER_KINDS)})")
        return kind


class ParticipationDoc(Strict):
    form: RequiredText
    description: Text = ""


class DataRow(Strict):
    period: RequiredText
    value: Annotated[Number, Required]
    area: Text | None = Field(None, description="a reference name or an area code; "
                              "empty: the plan area")


class IndicatorDoc(Strict):
    """A plan-specific indicator with its own figures."""

    id: Slug
    label: RequiredText
    unit: RequiredText
    direction: Annotated[str, _one_of(DIRECTIONS)]
    kind: Annotated[str, PlainValidator(lambda value: _indicator_kind(value),
                                        json_schema_input_type=Literal[INDICATOR_KINDS])] \
        = "share" 
    definition: Text = ""
    source: Text = ""
    data: Annotated[list[DataRow], _NONE_EMPTY] = []


def _indicator_kind(value: Any) -> str:
    kind = _text(value or "share")
    if kind not in INDICATOR_KINDS:
        fail(None, "expected count, share, rate, mean or index",
             "verwacht count, share, rate, mean of index")
    return kind


class TargetDoc(Strict):
    """An end target: a year and exactly one way of writing the goal value."""

    year: Annotated[Year, Required]
    value: Amount = Field(None, description="an absolute value")
    change_pct: Amount = Field(None, description="a change from the baseline, in %")
    close_gap: Amount = Field(None, description="% of the baseline gap to the "
                                     "reference closed, 0 to 100")
    reference: Text | None = Field(None, description="close_gap only: g4, gemeente, land, "
                                   "a group of reference_groups, or an area code")
    note: Text = ""

    @model_validator(mode="after")
    def _one_kind(self) -> TargetDoc:
        kinds = self.kinds()
        milestone = "way" in type(self).model_fields
        if len(kinds) != 1:
            fail(None, "give exactly one of value, change_pct, close_gap"
                       + (", way" if milestone else "") + f" (found: {kinds or 'none'})",
                 "geef precies één van value, change_pct, close_gap"
                 + (", way" if milestone else "") + f" (gevonden: {kinds or 'geen'})")
        amount = getattr(self, kinds[0])
        if kinds == ["close_gap"]:
            if not self.reference:
                fail("reference", "is required", "is verplicht")
            if not 0 <= amount <= 100:
                fail("close_gap", "is a percentage of the gap, 0 to 100",
                     "is een percentage van de achterstand, van 0 tot en met 100")
        elif "reference" in self.model_fields_set:
            fail("reference", "only a close_gap target has a reference",
                 "alleen een doel dat een achterstand inloopt (close_gap) heeft een "
                 "referentiegroep")
        if kinds == ["way"] and not 0 <= amount <= 100:
            fail("way", "is a percentage of the way, 0 to 100",
                 "is een percentage van de weg naar het einddoel, van 0 tot en met 100")
        return self

    def kinds(self) -> list[str]:
        return [k for k in TARGET_KINDS if k in self.model_fields_set]


class MilestoneDoc(TargetDoc):
    """A milestone: as an end target, or ``way``: a % of the way to the end target."""

    way: Amount = Field(None, description="% of the way from the baseline to the "
                               "end target, 0 to 100")


class BaselineDoc(Strict):
    """The baseline; ``baseline: 2015`` is short for ``{period: 2015}``."""

    period: RequiredText
    value: Number | None = Field(None, description="empty: computed from the store")
    note: Text = ""


class GoalDoc(Strict):
    id: Slug
    pillar: RequiredText
    title: RequiredText
    indicator: RequiredText
    description: Text = ""
    reference: Text | None = Field(None, description="the group shown beside the plan area "
                                   "in charts")
    baseline: BaselineDoc
    target: Annotated[TargetDoc, Required]
    milestones: Annotated[list[MilestoneDoc], _NONE_EMPTY] = []

    @field_validator("baseline", mode="before", json_schema_input_type=str | int | BaselineDoc)
    @classmethod
    def _period_only(cls, value: Any) -> Any:
        _required(value)
        return value if isinstance(value, dict) else {"period": value}


class MeasureDoc(Strict):
    id: Slug
    title: RequiredText
    pillar: RequiredText
    description: Text = ""
    lead: Text | None = Field(None, description="a partner's id")
    partners: Annotated[list[Text], _NONE_EMPTY] = []
    start: Annotated[Year | None, _falsy_empty(None)] = None
    end: Annotated[Year | None, _falsy_empty(None)] = None
    budget: Annotated[dict[Year, Number], _falsy_empty({})] = Field(
        {}, description="euro per year")
    status: Annotated[str, _one_of(MEASURE_STATUS, "gepland")] = "gepland"
    goals: Annotated[list[Text], _NONE_EMPTY] = []

    @field_validator("budget", mode="before")
    @classmethod
    def _years_as_keys(cls, value: Any) -> Any:
        if value and not isinstance(value, dict):
            fail(None, "expected a mapping of year to euro",
                 "verwacht per jaar een bedrag in euro")
        # the year as written is the key of its errors (budget.2021), never an index
        return {str(k): v for k, v in value.items()} if value else value

    @model_validator(mode="after")
    def _in_order(self) -> MeasureDoc:
        if self.start and self.end and self.end < self.start:
            fail("end", f"{self.end} is before the start {self.start}",
                 f"{self.end} ligt voor het startjaar {self.start}")
        return self


class PlanDoc(Strict):
    """A plan document (see :mod:`wijkkompas.plans.model`)."""

    id: Annotated[str, PlainValidator(_plan_id, json_schema_input_type=Annotated[
        str, Field(pattern=_SLUG.pattern, max_length=PLAN_ID_MAX)])] = Field(
        description="lower-case slug, the plan's address")
    title: RequiredText
    version: int | None = Field(None, description="the stored version this document "
                                "was read from")
    area: Annotated[AreaDoc, Required]
    horizon: Annotated[HorizonDoc, Required]
    vision: Text = ""
    pillars: list[Annotated[PillarDoc, BeforeValidator(
        _known_pillar, json_schema_input_type=Literal[tuple(PILLARS)] | PillarDoc)]] | None \
        = Field(None, description="default: the four pillars")
    partners: Annotated[list[PartnerDoc], _NONE_EMPTY] = []
    participation: Annotated[list[ParticipationDoc], _NONE_EMPTY] = []
    reference_groups: Annotated[dict[str, list[Code]], _falsy_empty({})] = Field(
        {}, description="name -> area codes")
    indicators: Annotated[list[IndicatorDoc], _NONE_EMPTY] = []
    goals: Annotated[list[GoalDoc], _NONE_EMPTY] = []
    measures: Annotated[list[MeasureDoc], _NONE_EMPTY] = []
    meta: Annotated[dict[str, Any], _falsy_empty({})] = {}

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, doc: Any) -> Any:
        if doc is None:
            fail(None, "the plan document is empty", "het plandocument is leeg")
        return doc

    @field_validator("version", mode="plain", json_schema_input_type=Annotated[
        int, Field(ge=1)] | None)
    @classmethod
    def _positive(cls, version: Any) -> int | None:
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                    or version < 1):
            fail(None, f"expected a positive whole number, got {version!r}",
                 f"verwacht een positief geheel getal, maar kreeg {version!r}")
        return version

    @field_validator("pillars")
    @classmethod
    def _some_pillar(cls, pillars: list[PillarDoc] | None) -> list[PillarDoc] | None:
        if pillars is not None and not pillars:
            fail(None, "a plan needs at least one pillar",
                 "een plan heeft minstens één pijler nodig")
        return pillars

    @field_validator("reference_groups", mode="before")
    @classmethod
    def _groups(cls, groups: Any) -> Any:
        if not groups:
            return groups
        if not isinstance(groups, dict):
            fail(None, "expected a mapping of name to a list of codes",
                 "verwacht per referentiegroep een naam met een lijst van gebiedscodes")
        for name, codes in groups.items():
            if not isinstance(codes, list) or not codes:
                fail(str(name), "expected a non-empty list of codes",
                     "verwacht een lijst met minstens één gebiedscode")
        return {str(name): codes for name, codes in groups.items()}

    @field_validator("meta", mode="before")
    @classmethod
    def _meta(cls, meta: Any) -> Any:
        if meta and not isinstance(meta, dict):
            fail(None, "expected a mapping", "verwacht onderdelen met een waarde (naam: waarde)")
        return meta


# -- the plan's parts against each other, the horizon and the catalog ------------------------

class _Checks:
    """Builds the :class:`Plan` of a document of valid form, checking what its parts say
    of each other (pillars, partners, goals and references named, years inside the
    horizon, ids used once, indicators in the catalog); each refusal is kept, in document
    order, so that every one is reported at once."""

    def __init__(self, doc: PlanDoc, catalog: Catalog | None) -> None:
        self.doc, self.catalog = doc, catalog
        self.problems: list[Problem] = []
        self.start, self.end = doc.horizon.start, doc.horizon.end
        self.groups = dict(doc.reference_groups)

    def fail(self, key: str, en: str, nl: str) -> None:
        # one problem a key, the first: a year outside the horizon is not also said to
        # be out of order
        if all(p.key != key for p in self.problems):
            self.problems.append(Problem(key, en, nl))

    def unique(self, ids: list[str], key: str) -> None:
        for i, ident in enumerate(ids):
            if ident in ids[:i]:
                self.fail(f"{key}[{i}].id", f"duplicate id {ident!r}",
                          f"id {ident!r} is al in gebruik")

    def inside(self, key: str, year: int, *, first: int | None = None) -> None:
        if not (first if first is not None else self.start + 1) <= year <= self.end:
            self.fail(key, f"{year} is outside the plan's horizon ({self.start}-{self.end})",
                      f"{year} valt buiten de planperiode ({self.start}-{self.end})")

    def reference(self, name: str, key: str) -> str:
        if name in BUILTIN_REFERENCES or name in self.groups:
            return name
        if _CODE.match(name.upper()):
            return name.upper()
        self.fail(key, f"unknown reference {name!r} (g4, gemeente, land, a group of "
                       "reference_groups, or an area code)",
                  f"onbekende referentiegroep {name!r} (g4, gemeente, land, een groep uit "
                  "reference_groups, of een gebiedscode)")
        return name

    def plan(self, version_checked: bool = True) -> Plan:
        doc = self.doc
        if doc.id in RESERVED_PLAN_IDS:
            refused = id_unavailable(doc.id)
            self.problems.append(Problem("id", refused.reason, refused.nl or refused.reason))
        pillars = [Pillar(k, v["nl"], v["description"]) for k, v in PILLARS.items()] \
            if doc.pillars is None else [
                Pillar(p.id, p.label or PILLARS[p.id]["nl"], p.description)
                for p in doc.pillars]
        self.unique([p.id for p in pillars], "pillars")
        self.pillar_ids = [p.id for p in pillars]
        partners = [Partner(p.id, p.name, p.kind, p.role) for p in doc.partners]
        self.unique([p.id for p in partners], "partners")
        self.partner_ids = {p.id for p in partners}
        indicators = [self.indicator(x, f"indicators[{i}]")
                      for i, x in enumerate(doc.indicators)]
        self.unique([x.id for x in indicators], "indicators")
        self.plan_indicators = {x.id for x in indicators}
        goals = [self.goal(g, f"goals[{i}]") for i, g in enumerate(doc.goals)]
        self.unique([g.id for g in goals], "goals")
        goal_ids = {g.id for g in goals}
        measures = [self.measure(m, f"measures[{i}]", goal_ids)
                    for i, m in enumerate(doc.measures)]
        self.unique([m.id for m in measures], "measures")
        return Plan(id=doc.id, title=doc.title,
                    area=PlanArea(doc.area.name, list(doc.area.codes), doc.area.vintage),
                    start=self.start, end=self.end, vision=doc.vision, pillars=pillars,
                    partners=partners,
                    participation=[Participation(p.form, p.description)
                                   for p in doc.participation],
                    reference_groups=self.groups, indicators=indicators, goals=goals,
                    measures=measures, meta=dict(doc.meta), version=doc.version)

    def indicator(self, x: IndicatorDoc, key: str) -> PlanIndicator:
        if self.catalog is not None and x.id in self.catalog:
            self.fail(f"{key}.id", f"{x.id!r} is a catalog indicator; a plan-specific "
                                   "indicator needs an id of its own",
                      f"{x.id!r} is een indicator uit de catalogus; een eigen indicator van "
                      "het plan heeft een eigen id nodig")
        data = [{"period": row.period, "value": row.value,
                 **({"area": row.area} if row.area is not None else {})} for row in x.data]
        return PlanIndicator(x.id, x.label, x.unit, x.direction, x.kind, x.definition,
                             x.source, data)

    def target(self, t: TargetDoc, key: str) -> Target:
        self.inside(f"{key}.year", t.year)
        kind = t.kinds()[0]
        reference = self.reference(t.reference or "", f"{key}.reference") \
            if kind == "close_gap" else None
        return Target(t.year, kind, getattr(t, kind), reference, t.note)

    def goal(self, g: GoalDoc, key: str) -> Goal:
        if g.pillar not in self.pillar_ids:
            self.fail(f"{key}.pillar", f"unknown pillar {g.pillar!r} "
                                       f"(this plan's: {', '.join(self.pillar_ids)})",
                      f"onbekende pijler {g.pillar!r} "
                      f"(pijlers van dit plan: {', '.join(self.pillar_ids)})")
        if g.indicator not in self.plan_indicators and self.catalog is not None \
                and g.indicator not in self.catalog:
            self.fail(f"{key}.indicator", f"unknown indicator {g.indicator!r}: not in the "
                                          "catalog nor among the plan's own indicators",
                      f"onbekende indicator {g.indicator!r}: niet in de catalogus en niet bij "
                      "de eigen indicatoren van het plan")
        period = g.baseline.period
        year = int(period[:4]) if period[:4].isdigit() else None
        if year is None or not self.start - 5 <= year <= self.end:
            self.fail(f"{key}.baseline.period", f"{period!r} is not a year near the "
                                                f"horizon {self.start}-{self.end}",
                      f"{period!r} is geen jaar in of kort voor de planperiode "
                      f"{self.start}-{self.end}")
        target = self.target(g.target, f"{key}.target")
        if year is not None and target.year <= year:
            self.fail(f"{key}.target.year", f"{target.year} is not after the baseline {period}",
                      f"{target.year} ligt niet na de nulmeting ({period})")
        milestones = []
        for i, m in enumerate(g.milestones):
            here = f"{key}.milestones[{i}]"
            milestones.append(self.target(m, here))
            if year is not None and not year < m.year <= target.year:
                self.fail(f"{here}.year",
                          f"{m.year} is not between the baseline {period} and the end "
                          f"target {target.year}",
                          f"{m.year} ligt niet tussen de nulmeting ({period}) en het einddoel "
                          f"({target.year})")
        return Goal(g.id, g.pillar, g.title, g.indicator,
                    Baseline(period, g.baseline.value, g.baseline.note), target, milestones,
                    g.description,
                    self.reference(g.reference, f"{key}.reference") if g.reference else None)

    def measure(self, m: MeasureDoc, key: str, goal_ids: set[str]) -> Measure:
        if m.pillar not in self.pillar_ids:
            self.fail(f"{key}.pillar", f"unknown pillar {m.pillar!r}",
                      f"onbekende pijler {m.pillar!r}")
        if m.lead is not None and m.lead not in self.partner_ids:
            self.fail(f"{key}.lead", f"unknown partner {m.lead!r} (add it to partners)",
                      f"onbekende partner {m.lead!r} (voeg die eerst toe bij de partners)")
        for i, p in enumerate(m.partners):
            if p not in self.partner_ids:
                self.fail(f"{key}.partners[{i}]", f"unknown partner {p!r}",
                          f"onbekende partner {p!r}")
        for year in m.budget:
            self.inside(f"{key}.budget.{year}", year, first=self.start)
        for i, g in enumerate(m.goals):
            if g not in goal_ids:
                self.fail(f"{key}.goals[{i}]", f"unknown goal {g!r}", f"onbekend doel {g!r}")
        return Measure(m.id, m.title, m.pillar, m.description, m.lead, list(m.partners),
                       m.start, m.end, dict(m.budget), m.status, list(m.goals))


def _error(found: list[Problem], file: str | None) -> PlanError:
    """One PlanError for every problem of a document: the first's key and reason, the
    others in ``more``."""
    # (names, not attributes, as the texts: every PlanError written with a literal text
    # has its Dutch one beside it, see tests/test_plans_model.py)
    errors = []
    for problem in found:
        message, dutch, key = problem.en, problem.nl, problem.key or None
        errors.append(PlanError(message, file=file, key=key, nl=dutch))
    first, *more = errors
    reason, nl = first.reason, first.nl
    return PlanError(reason, file=file, key=first.key, nl=nl, more=more)


def parse_plan(doc: Any, *, file: str | None = None, catalog: Catalog | None = None) -> Plan:
    """Validate a document and build the plan: first its form (:class:`PlanDoc`), then its
    parts against each other, the horizon and the catalog. Every problem a step finds is
    in the one :class:`PlanError` it raises."""
    try:
        valid = PlanDoc.model_validate(doc)
    except ValidationError as exc:
        raise _error(problems(exc, PlanDoc), file) from None
    checks = _Checks(valid, catalog)
    plan = checks.plan()
    if checks.problems:
        raise _error(checks.problems, file)
    return plan


# the checks of a single value the web forms run on each field by itself
VALUE_CHECKS = {"required": _required_text, "slug": _slug, "plan_id": _plan_id, "year": _year,
                "number": _number,
                "codes": lambda codes: AreaDoc.model_validate(
                    {"name": "-", "vintage": 2000, "codes": codes})}


def value_problem(check: str, value: Any) -> Problem | None:
    """What :data:`VALUE_CHECKS` ``check`` says of ``value`` by itself (None: nothing)."""
    try:
        VALUE_CHECKS[check](value)
    except PydanticCustomError as exc:
        context = exc.context or {}
        return Problem(context.get("key") or "", context["en"], context["nl"])
    except ValidationError as exc:
        return problems(exc, AreaDoc)[0]
    return None
