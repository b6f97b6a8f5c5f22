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

Validation here is structural (types, known keys, ids, pillars, years inside the
horizon, catalog indicators). Whether the area codes exist and figures are there is
checked against a store in :mod:`wijkkompas.plans.figures`. Every error names the file
and the key (``goals[2].target.year``) and nothing is changed when one is raised.

Round trip: ``Plan.from_dict(plan.to_dict()) == plan`` for every valid plan; ``to_dict``
writes the normalised document (defaults filled in), so an export re-imports unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ..catalog import Catalog
from ..errors import PlanError
from ..geo.codes import COUNTRY

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
        """Validate a document and build the plan; :class:`PlanError` names file and key."""
        return _Parser(file, catalog).plan(doc)


def _drop_empty(d: dict) -> dict:
    # optional fields that are empty are left out, so exports stay short and round-trip
    return {k: v for k, v in d.items() if v not in (None, "", [], {}) or k in ("data",)}


def _level_of(code: str) -> str:
    return {"WK": "wijk", "BU": "buurt", "GM": "gemeente", "NL": "land"}.get(code[:2], "buurt")


def _nl(value: float) -> str:
    text = f"{value:g}" if float(value) != int(value) else str(int(value))
    return text.replace(".", ",")


# -- validation ------------------------------------------------------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Parser:
    """Walks a document; every check raises PlanError(file, key)."""

    def __init__(self, file: str | None, catalog: Catalog | None) -> None:
        self.file, self.catalog = file, catalog

    def fail(self, key: str | None, message: str, nl: str) -> NoReturn:
        """Refuse the document: ``message`` in English (CLI, API), ``nl`` the same in
        Dutch (the web forms); both with the same values filled in."""
        raise PlanError(message, file=self.file, key=key, nl=nl)

    def mapping(self, value, key, allowed, required=()):
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, got {type(value).__name__}",
                      f"verwacht onderdelen met een waarde (naam: waarde), maar kreeg "
                      f"{type(value).__name__}")
        for name in value:
            if name not in allowed:
                self.fail(f"{key}.{name}" if key else str(name),
                          f"unknown key (allowed: {', '.join(allowed)})",
                          f"onbekend onderdeel (toegestaan: {', '.join(allowed)})")
        for name in required:
            if value.get(name) in (None, ""):
                self.fail(f"{key}.{name}" if key else name, "is required", "is verplicht")
        return value

    def text(self, value, key, *, required=False) -> str:
        if value is None:
            if required:
                self.fail(key, "is required", "is verplicht")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(key, f"expected text, got {type(value).__name__}",
                      f"verwacht tekst, maar kreeg {type(value).__name__}")
        text = str(value).strip() if not isinstance(value, str) else value.strip()
        if CONTROL_CHARACTERS.search(text):
            # PostgreSQL cannot store NUL, and a NUL in a chart title aborts vl-convert
            # (the whole web worker with it)
            self.fail(key, "contains a control character (such as NUL); remove it",
                      "bevat een stuurteken (zoals NUL); haal het weg")
        return text

    def year(self, value, key) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
            self.fail(key, f"expected a year such as 2030, got {value!r}",
                      f"verwacht een jaartal zoals 2030, maar kreeg {value!r}")
        year = int(value)
        if not 1900 <= year <= 2200:
            self.fail(key, f"year {year} is out of range",
                      f"jaartal {year} valt buiten het mogelijke bereik (1900-2200)")
        return year

    def number(self, value, key) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                return float(str(value).replace(",", "."))
            except (TypeError, ValueError):
                self.fail(key, f"expected a number, got {value!r}",
                          f"verwacht een getal, maar kreeg {value!r}")
        return float(value)

    def slug(self, value, key) -> str:
        text = self.text(value, key, required=True)
        if not _SLUG.match(text):
            self.fail(key, f"{text!r} is not a valid id (lower-case letters, digits, - and _)",
                      f"{text!r} is geen geldige id (kleine letters, cijfers, - en _)")
        return text

    def plan_id(self, value, key) -> str:
        text = self.slug(value, key)
        if len(text) > PLAN_ID_MAX:
            self.fail(key, f"a plan id has at most {PLAN_ID_MAX} characters, not {len(text)}",
                      f"een plan-id heeft hoogstens {PLAN_ID_MAX} tekens, niet {len(text)}")
        if text in RESERVED_PLAN_IDS:
            raise id_unavailable(text, file=self.file)
        return text

    def items(self, value, key) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}",
                      f"verwacht een lijst, maar kreeg {type(value).__name__}")
        return value

    def unique(self, ids, key):
        seen = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.fail(f"{key}[{i}].id", f"duplicate id {ident!r}",
                          f"id {ident!r} is al in gebruik")
            seen.add(ident)

    def outside_horizon(self, key, year):
        self.fail(key, f"{year} is outside the plan's horizon ({self.start}-{self.end})",
                  f"{year} valt buiten de planperiode ({self.start}-{self.end})")

    def one_of(self, key, allowed):
        self.fail(key, f"expected one of {', '.join(allowed)}",
                  f"verwacht een van: {', '.join(allowed)}")

    # -- the parts ----------------------------------------------------------------------

    def plan(self, doc) -> Plan:
        if doc is None:
            self.fail(None, "the plan document is empty", "het plandocument is leeg")
        self.mapping(doc, "", ("id", "title", "version", "area", "horizon", "vision",
                               "pillars", "partners", "participation", "reference_groups",
                               "indicators", "goals", "measures", "meta"),
                     required=("id", "title", "area", "horizon"))
        version = doc.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                    or version < 1):
            self.fail("version", f"expected a positive whole number, got {version!r}",
                      f"verwacht een positief geheel getal, maar kreeg {version!r}")
        horizon = self.mapping(doc["horizon"], "horizon", ("start", "end"), ("start", "end"))
        start, end = self.year(horizon["start"], "horizon.start"), self.year(horizon["end"],
                                                                           "horizon.end")
        if end <= start:
            self.fail("horizon.end", f"end {end} is not after start {start}",
                      f"eindjaar {end} ligt niet na beginjaar {start}")
        self.start, self.end = start, end
        pillars = self.pillars(doc.get("pillars"))
        self.pillar_ids = [p.id for p in pillars]
        partners = [self.partner(p, f"partners[{i}]")
                    for i, p in enumerate(self.items(doc.get("partners"), "partners"))]
        self.unique([p.id for p in partners], "partners")
        self.partner_ids = {p.id for p in partners}
        groups = doc.get("reference_groups") or {}
        if not isinstance(groups, dict):
            self.fail("reference_groups", "expected a mapping of name to a list of codes",
                      "verwacht per referentiegroep een naam met een lijst van gebiedscodes")
        self.groups = {}
        for name, codes in groups.items():
            if not isinstance(codes, list) or not codes:
                self.fail(f"reference_groups.{name}", "expected a non-empty list of codes",
                          "verwacht een lijst met minstens één gebiedscode")
            self.groups[str(name)] = [self.code(c, f"reference_groups.{name}[{i}]")
                                      for i, c in enumerate(codes)]
        indicators = [self.indicator(x, f"indicators[{i}]")
                      for i, x in enumerate(self.items(doc.get("indicators"), "indicators"))]
        self.unique([x.id for x in indicators], "indicators")
        self.plan_indicators = {x.id for x in indicators}
        goals = [self.goal(g, f"goals[{i}]")
                 for i, g in enumerate(self.items(doc.get("goals"), "goals"))]
        self.unique([g.id for g in goals], "goals")
        goal_ids = {g.id for g in goals}
        measures = [self.measure(m, f"measures[{i}]", goal_ids)
                    for i, m in enumerate(self.items(doc.get("measures"), "measures"))]
        self.unique([m.id for m in measures], "measures")
        participation = []
        for i, p in enumerate(self.items(doc.get("participation"), "participation")):
            key = f"participation[{i}]"
            self.mapping(p, key, ("form", "description"), ("form",))
            participation.append(Participation(self.text(p["form"], f"{key}.form"),
                                               self.text(p.get("description"),
                                                         f"{key}.description")))
        meta = doc.get("meta") or {}
        if not isinstance(meta, dict):
            self.fail("meta", "expected a mapping",
                      "verwacht onderdelen met een waarde (naam: waarde)")
        return Plan(id=self.plan_id(doc["id"], "id"), title=self.text(doc["title"], "title",
                                                                    required=True),
                    area=self.area(doc["area"]), start=start, end=end,
                    vision=self.text(doc.get("vision"), "vision"), pillars=pillars,
                    partners=partners, participation=participation,
                    reference_groups=self.groups, indicators=indicators, goals=goals,
                    measures=measures, meta=dict(meta), version=version)

    def code(self, value, key) -> str:
        text = self.text(value, key, required=True).upper()
        if not _CODE.match(text):
            self.fail(key, f"{text!r} is not a CBS area code (GM0518, WK051836, BU05183620)",
                      f"{text!r} is geen gebiedscode van het CBS (GM0518, WK051836, "
                      "BU05183620)")
        return text

    def area(self, value) -> PlanArea:
        self.mapping(value, "area", ("name", "vintage", "codes"), ("name", "vintage", "codes"))
        codes = value["codes"]
        if not isinstance(codes, list) or not codes:
            self.fail("area.codes", "expected a non-empty list of wijk or buurt codes",
                      "kies minstens één wijk of buurt voor het plangebied")
        parsed = []
        for i, c in enumerate(codes):
            code = self.code(c, f"area.codes[{i}]")
            if code[:2] not in ("WK", "BU"):
                self.fail(f"area.codes[{i}]", f"{code}: a plan area is made of wijken or "
                                              "buurten",
                          f"{code}: een plangebied bestaat uit wijken of buurten")
            if code in parsed:
                self.fail(f"area.codes[{i}]", f"{code} is listed twice",
                          f"{code} staat er twee keer in")
            parsed.append(code)
        return PlanArea(self.text(value["name"], "area.name", required=True), parsed,
                        self.year(value["vintage"], "area.vintage"))

    def pillars(self, value) -> list[Pillar]:
        if value is None:
            return [Pillar(k, v["nl"], v["description"]) for k, v in PILLARS.items()]
        out = []
        for i, p in enumerate(self.items(value, "pillars")):
            key = f"pillars[{i}]"
            if isinstance(p, str):   # a bare id of a known pillar
                if p not in PILLARS:
                    self.fail(key, f"unknown pillar {p!r}: give id and label "
                                   f"(known: {', '.join(PILLARS)})",
                              f"onbekende pijler {p!r}: geef een id en een label "
                              f"(bekende pijlers: {', '.join(PILLARS)})")
                out.append(Pillar(p, PILLARS[p]["nl"], PILLARS[p]["description"]))
                continue
            self.mapping(p, key, ("id", "label", "description"), ("id",))
            ident = self.slug(p["id"], f"{key}.id")
            known = PILLARS.get(ident, {})
            label = self.text(p.get("label"), f"{key}.label") or known.get("nl", "")
            if not label:
                self.fail(f"{key}.label", "is required for a pillar of your own",
                          "is verplicht bij een eigen pijler")
            out.append(Pillar(ident, label, self.text(p.get("description"),
                                                      f"{key}.description")))
        if not out:
            self.fail("pillars", "a plan needs at least one pillar",
                      "een plan heeft minstens één pijler nodig")
        self.unique([p.id for p in out], "pillars")
        return out

    def partner(self, value, key) -> Partner:
        self.mapping(value, key, ("id", "name", "kind", "role"), ("id", "name", "kind"))
        kind = self.text(value["kind"], f"{key}.kind")
        if kind not in PARTNER_KINDS:
            self.fail(f"{key}.kind", f"unknown kind {kind!r} (one of {', '.join(PARTNER_KINDS)})",
                      f"onbekende soort {kind!r} (een van: {', '.join(PARTNER_KINDS)})")
        return Partner(self.slug(value["id"], f"{key}.id"), self.text(value["name"],
                                                                      f"{key}.name"),
                       kind, self.text(value.get("role"), f"{key}.role"))

    def indicator(self, value, key) -> PlanIndicator:
        self.mapping(value, key, ("id", "label", "unit", "direction", "kind", "definition",
                                  "source", "data"), ("id", "label", "unit", "direction"))
        ident = self.slug(value["id"], f"{key}.id")
        if self.catalog is not None and ident in self.catalog:
            self.fail(f"{key}.id", f"{ident!r} is a catalog indicator; a plan-specific "
                                   "indicator needs an id of its own",
                      f"{ident!r} is een indicator uit de catalogus; een eigen indicator van "
                      "het plan heeft een eigen id nodig")
        direction = self.text(value["direction"], f"{key}.direction")
        if direction not in DIRECTIONS:
            self.one_of(f"{key}.direction", DIRECTIONS)
        kind = self.text(value.get("kind") or "share", f"{key}.kind")
        if kind not in ("count", "share", "rate", "mean", "index"):
            self.fail(f"{key}.kind", "expected count, share, rate, mean or index",
                      "verwacht count, share, rate, mean of index")
        data = []
        for j, row in enumerate(self.items(value.get("data"), f"{key}.data")):
            rkey = f"{key}.data[{j}]"
            self.mapping(row, rkey, ("period", "value", "area"), ("period", "value"))
            out = {"period": self.text(row["period"], f"{rkey}.period"),
                   "value": self.number(row["value"], f"{rkey}.value")}
            if row.get("area") is not None:
                out["area"] = self.text(row["area"], f"{rkey}.area")
            data.append(out)
        return PlanIndicator(ident, self.text(value["label"], f"{key}.label"),
                             self.text(value["unit"], f"{key}.unit"), direction, kind,
                             self.text(value.get("definition"), f"{key}.definition"),
                             self.text(value.get("source"), f"{key}.source"), data)

    def reference(self, value, key) -> str:
        name = self.text(value, key, required=True)
        if name in BUILTIN_REFERENCES or name in self.groups:
            return name
        if _CODE.match(name.upper()):
            return name.upper()
        self.fail(key, f"unknown reference {name!r} (g4, gemeente, land, a group of "
                       "reference_groups, or an area code)",
                  f"onbekende referentiegroep {name!r} (g4, gemeente, land, een groep uit "
                  "reference_groups, of een gebiedscode)")

    def target(self, value, key, *, milestone: bool) -> Target:
        allowed = ("year", "value", "change_pct", "close_gap", "reference", "note") + (
            ("way",) if milestone else ())
        self.mapping(value, key, allowed, ("year",))
        year = self.year(value["year"], f"{key}.year")
        if not self.start < year <= self.end:
            self.outside_horizon(f"{key}.year", year)
        kinds = [k for k in TARGET_KINDS if k in value]
        if len(kinds) != 1:
            self.fail(key, "give exactly one of value, change_pct, close_gap"
                           + (", way" if milestone else "") + f" (found: {kinds or 'none'})",
                      "geef precies één van value, change_pct, close_gap"
                      + (", way" if milestone else "") + f" (gevonden: {kinds or 'geen'})")
        kind = kinds[0]
        amount = self.number(value[kind], f"{key}.{kind}")
        reference = None
        if kind == "close_gap":
            reference = self.reference(value.get("reference"), f"{key}.reference")
            if not 0 <= amount <= 100:
                self.fail(f"{key}.close_gap", "is a percentage of the gap, 0 to 100",
                          "is een percentage van de achterstand, van 0 tot en met 100")
        elif "reference" in value:
            self.fail(f"{key}.reference", "only a close_gap target has a reference",
                      "alleen een doel dat een achterstand inloopt (close_gap) heeft een "
                      "referentiegroep")
        if kind == "way" and not 0 <= amount <= 100:
            self.fail(f"{key}.way", "is a percentage of the way, 0 to 100",
                      "is een percentage van de weg naar het einddoel, van 0 tot en met 100")
        return Target(year, kind, amount, reference, self.text(value.get("note"), f"{key}.note"))

    def goal(self, value, key) -> Goal:
        self.mapping(value, key, ("id", "pillar", "title", "indicator", "description",
                                  "reference", "baseline", "target", "milestones"),
                     ("id", "pillar", "title", "indicator", "baseline", "target"))
        pillar = self.text(value["pillar"], f"{key}.pillar")
        if pillar not in self.pillar_ids:
            self.fail(f"{key}.pillar", f"unknown pillar {pillar!r} "
                                       f"(this plan's: {', '.join(self.pillar_ids)})",
                      f"onbekende pijler {pillar!r} "
                      f"(pijlers van dit plan: {', '.join(self.pillar_ids)})")
        indicator = self.text(value["indicator"], f"{key}.indicator")
        if indicator not in self.plan_indicators and self.catalog is not None \
                and indicator not in self.catalog:
            self.fail(f"{key}.indicator", f"unknown indicator {indicator!r}: not in the "
                                          "catalog nor among the plan's own indicators",
                      f"onbekende indicator {indicator!r}: niet in de catalogus en niet bij "
                      "de eigen indicatoren van het plan")
        base = value["baseline"]
        if not isinstance(base, dict):  # baseline: 2015 is short for {period: 2015}
            base = {"period": base}
        self.mapping(base, f"{key}.baseline", ("period", "value", "note"), ("period",))
        period = self.text(base["period"], f"{key}.baseline.period")
        year = int(period[:4]) if period[:4].isdigit() else None
        if year is None or not self.start - 5 <= year <= self.end:
            self.fail(f"{key}.baseline.period", f"{period!r} is not a year near the "
                                                f"horizon {self.start}-{self.end}",
                      f"{period!r} is geen jaar in of kort voor de planperiode "
                      f"{self.start}-{self.end}")
        baseline = Baseline(period, None if base.get("value") is None else
                            self.number(base["value"], f"{key}.baseline.value"),
                            self.text(base.get("note"), f"{key}.baseline.note"))
        target = self.target(value["target"], f"{key}.target", milestone=False)
        if target.year <= year:
            self.fail(f"{key}.target.year", f"{target.year} is not after the baseline {period}",
                      f"{target.year} ligt niet na de nulmeting ({period})")
        milestones = [self.target(m, f"{key}.milestones[{i}]", milestone=True)
                      for i, m in enumerate(self.items(value.get("milestones"),
                                                       f"{key}.milestones"))]
        for i, m in enumerate(milestones):
            if not year < m.year <= target.year:
                self.fail(f"{key}.milestones[{i}].year",
                          f"{m.year} is not between the baseline {period} and the end "
                          f"target {target.year}",
                          f"{m.year} ligt niet tussen de nulmeting ({period}) en het einddoel "
                          f"({target.year})")
        reference = value.get("reference")
        return Goal(self.slug(value["id"], f"{key}.id"), pillar,
                    self.text(value["title"], f"{key}.title"), indicator, baseline, target,
                    milestones, self.text(value.get("description"), f"{key}.description"),
                    self.reference(reference, f"{key}.reference") if reference else None)

    def measure(self, value, key, goal_ids) -> Measure:
        self.mapping(value, key, ("id", "title", "pillar", "description", "lead", "partners",
                                  "start", "end", "budget", "status", "goals"),
                     ("id", "title", "pillar"))
        pillar = self.text(value["pillar"], f"{key}.pillar")
        if pillar not in self.pillar_ids:
            self.fail(f"{key}.pillar", f"unknown pillar {pillar!r}",
                      f"onbekende pijler {pillar!r}")
        lead = value.get("lead")
        if lead is not None and lead not in self.partner_ids:
            self.fail(f"{key}.lead", f"unknown partner {lead!r} (add it to partners)",
                      f"onbekende partner {lead!r} (voeg die eerst toe bij de partners)")
        partners = [self.text(p, f"{key}.partners[{i}]")
                    for i, p in enumerate(self.items(value.get("partners"), f"{key}.partners"))]
        for i, p in enumerate(partners):
            if p not in self.partner_ids:
                self.fail(f"{key}.partners[{i}]", f"unknown partner {p!r}",
                          f"onbekende partner {p!r}")
        start = self.year(value["start"], f"{key}.start") if value.get("start") else None
        end = self.year(value["end"], f"{key}.end") if value.get("end") else None
        if start and end and end < start:
            self.fail(f"{key}.end", f"{end} is before the start {start}",
                      f"{end} ligt voor het startjaar {start}")
        budget_doc = value.get("budget") or {}
        if not isinstance(budget_doc, dict):
            self.fail(f"{key}.budget", "expected a mapping of year to euro",
                      "verwacht per jaar een bedrag in euro")
        budget = {}
        for y, amount in budget_doc.items():
            year = self.year(y, f"{key}.budget.{y}")
            if not self.start <= year <= self.end:
                self.outside_horizon(f"{key}.budget.{y}", year)
            budget[year] = self.number(amount, f"{key}.budget.{y}")
        status = self.text(value.get("status") or "gepland", f"{key}.status")
        if status not in MEASURE_STATUS:
            self.one_of(f"{key}.status", MEASURE_STATUS)
        goals = [self.text(g, f"{key}.goals[{i}]")
                 for i, g in enumerate(self.items(value.get("goals"), f"{key}.goals"))]
        for i, g in enumerate(goals):
            if g not in goal_ids:
                self.fail(f"{key}.goals[{i}]", f"unknown goal {g!r}", f"onbekend doel {g!r}")
        return Measure(self.slug(value["id"], f"{key}.id"),
                       self.text(value["title"], f"{key}.title"), pillar,
                       self.text(value.get("description"), f"{key}.description"), lead,
                       partners, start, end, budget, status, goals)
