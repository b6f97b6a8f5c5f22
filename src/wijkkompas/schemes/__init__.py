"""Scoring schemes: which indicators make up each domain, and how they are combined.

A scheme is a YAML file. Every key but ``domains`` is optional; the defaults are given::

    name: my-scheme
    description: "..."
    method: zscore          # zscore | robust_z | percentile | imd | index (see METHODS)
    reference: country      # country (all areas of the level) | gemeente (each area's own
                            # gemeente) | a list of area codes
    weighting: unweighted   # unweighted | population: weights of the reference statistics
    population: inwoners    # the indicator that counts residents (weights, minimum
                            # population, derived rates, aggregation)
    classes: deciles        # deciles | leefbaarometer | pbl | wijkprofiel
    flag_threshold: 0.9     # a domain is flagged when its percentile rank in the reference
                            # group is at or above this (SVI: 0.9 = the worst decile)
    min_indicators: 1       # a domain with fewer usable indicators is missing (NaN)
    min_coverage: 0.9       # an indicator enters a score only where it covers this share
                            # of the reference group's inhabited areas (else left out)
    period_tolerance: 2     # years: the score for peiljaar Y takes each figure's most
                            # recent year in Y-2..Y, never one after Y
    rank_min_population: 1000  # residents an area needs to get a composite and a rank
    perspective: pooled     # pooled: one weighted mean per domain; half: objective and
                            # subjective parts each weigh half (Wijkprofiel Rotterdam)
    base_period: null       # method index: the base period (100 = its reference mean);
                            # null = each indicator's earliest period in the store
    derived:                # rates computed from two indicators
      misdrijven_per_1000:
        numerator: misdrijven_totaal
        denominator: inwoners
        per: 1000
        shrink: local        # none | global | local (toward the parent area's rate)
        label: {nl: "...", en: "..."}
        direction: higher_is_worse   # default: the numerator's
        perspective: objective       # default: the numerator's
        min_population: 0            # default: the numerator's catalog minimum
    domains:
      veiligheid_ondermijning:
        weight: 1            # domain weight in the composite; equal (1) by default
        min_indicators: 1    # overrides the scheme's
        indicators:          # a list (equal weights), a mapping id: weight, or per id
          misdrijven_per_1000:   # a mapping with weight, years and scaling:
            weight: 1
            years: 1             # its own period tolerance (default: the scheme's)
            scaling: normal_scores   # linear (default) | normal_scores (rank-based)

**The yardstick.** The scheme's domains (those with a weight above 0) are its yardstick:
an area gets a composite only when it has a score on *every* one of them, and at least
``rank_min_population`` residents; only those areas are ranked, classed and used as the
reference group (see :mod:`~wijkkompas.analysis.engine`). There is no ``min_domains``:
a composite of fewer domains would be another measure. Leave a domain out of the scheme
to build a yardstick without it.

Why these defaults: ``min_coverage`` 0.9, because an indicator standardised within a
tenth of the areas is a comparison with another reference group (the CDC/ATSDR SVI
imputes or drops variables missing for more than a few tracts for the same reason);
``period_tolerance`` 2 years, because the national sources appear every year (Kerncijfers,
registered crime) or every two years (the Gezondheidsmonitor since 2020, the
Leefbaarometer), and the Kerncijfers publish income two years after the fact;
``rank_min_population`` 1,000, the minimum population of the small areas (LSOAs) the
English Indices of Deprivation rank, set by ONS so that their statistics are reliable.

``scaling: normal_scores`` replaces an indicator's values by their rank-based normal
scores in the reference group (:func:`~wijkkompas.analysis.standardise.normal_scores`)
before the method standardises them: for heavy-tailed rates per resident, such as
registered crime where few live and many visit, so that one extreme area cannot carry
the composite (the English IMD puts skewed indicators on a normal scale by rank for the
same reason). The raw figure is still shown beside the score.

Domains are the catalog's five (``context`` is not a domain of vulnerability). An
indicator is placed in a domain by the scheme, not by the catalog, so a scheme may put
an indicator where its argument says it belongs; the catalog's direction decides its
orientation and a ``neutral`` indicator cannot be used.

The file's form is :class:`SchemeModel` (pydantic; published as
``docs/schemas/scheme.schema.json``); its indicators are then checked against the
catalog. Each step reports every error it finds at once, each with the file and the key
(``domains.gezondheid.indicators.roken.weight``).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .. import yamlsafe
from ..catalog import DIRECTIONS, DOMAINS, PERSPECTIVES, Catalog
from ..definitions import BUNDLED_SCHEMES, scheme_file
from ..errors import WijkkompasError
from ..validation import Problem, Strict, describe, problems

METHOD_NAMES = ("zscore", "robust_z", "percentile", "imd", "index")
CLASS_SYSTEMS = ("deciles", "leefbaarometer", "pbl", "wijkprofiel")
SHRINK = ("none", "global", "local")
SCORE_DOMAINS = tuple(d for d in DOMAINS if d != "context")
SCALINGS = ("linear", "normal_scores")


class SchemeError(WijkkompasError):
    """A scheme file is invalid or does not fit the catalog."""


# -- the file format (validated with pydantic; docs/schemas/scheme.schema.json) -------------

# strict: ``weight: "1"`` or ``years: true`` is a mistake in the file, not a number
Weight = Annotated[float, Field(strict=True, ge=0)]
Whole = Annotated[int, Field(strict=True, ge=0)]
AtLeastOne = Annotated[int, Field(strict=True, ge=1)]


def _score_domain(domain: str) -> str:
    if domain not in SCORE_DOMAINS:
        raise ValueError(f"unknown domain; choose {', '.join(SCORE_DOMAINS)}")
    return domain


class _File(Strict):
    # a name or a base period may be written as a number (``base_period: 2015``)
    model_config = ConfigDict(coerce_numbers_to_str=True)


class IndicatorOptions(_File):
    """One indicator of a domain; ``id: 2`` is short for ``id: {weight: 2}``."""

    weight: Weight = 1.0
    years: Whole | None = Field(None, description="its own period tolerance (default: "
                                "the scheme's period_tolerance)")
    scaling: Literal["linear", "normal_scores"] = "linear"

    @field_validator("weight")
    @classmethod
    def _not_nan(cls, value: float) -> float:
        if value != value:
            raise ValueError("weight must be a number, not nan")
        return value


class DomainModel(_File):
    """A domain; a bare list of indicator ids is short for ``{indicators: [...]}``."""

    weight: Weight = 1.0
    min_indicators: AtLeastOne | None = Field(None, description="default: the scheme's")
    indicators: dict[str, IndicatorOptions] = Field(min_length=1)

    @field_validator("indicators", mode="before",
                     json_schema_input_type=list[str] | dict[str, float | IndicatorOptions])
    @classmethod
    def _short_forms(cls, value: Any) -> Any:
        # a list gives equal weights; a bare value is the weight
        if isinstance(value, list):
            return {str(i): {} for i in value}
        if isinstance(value, dict):
            return {str(k): v if isinstance(v, dict) else {"weight": v}
                    for k, v in value.items()}
        return value


class DerivedLabel(_File):
    nl: str | None = None
    en: str | None = None


class DerivedModel(_File):
    """A rate computed from two catalog indicators: numerator / denominator * per; the
    defaults of direction, perspective and min_population are the numerator's."""

    numerator: str
    denominator: str
    per: float = Field(1, strict=True, gt=0)
    shrink: Literal["none", "global", "local"] = "none"
    label: DerivedLabel = DerivedLabel()
    direction: Literal[DIRECTIONS] | None = None  # type: ignore[valid-type]
    perspective: Literal[PERSPECTIVES] | None = None  # type: ignore[valid-type]
    min_population: Whole | None = None
    unit: str | None = None


class SchemeModel(_File):
    """A scoring scheme file; every key but ``domains`` is optional."""

    name: str | None = Field(None, description="default: the file name")
    description: str = ""
    method: Literal[METHOD_NAMES] = "zscore"  # type: ignore[valid-type]
    reference: Literal["country", "gemeente"] | list[str] = "country"
    weighting: Literal["unweighted", "population"] = "unweighted"
    population: str = "inwoners"
    classes: Literal[CLASS_SYSTEMS] = "deciles"  # type: ignore[valid-type]
    flag_threshold: float = Field(0.9, strict=True, gt=0, le=1, description=(
        "a domain is flagged at or above this percentile rank"))
    min_indicators: AtLeastOne = 1
    min_coverage: float = Field(0.9, strict=True, ge=0, le=1)
    period_tolerance: Whole = 2
    rank_min_population: Whole = 1000
    perspective: Literal["pooled", "half"] = "pooled"
    base_period: str | None = None
    derived: dict[str, DerivedModel] = {}
    domains: dict[Annotated[str, AfterValidator(_score_domain)], DomainModel] = Field(
        min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _no_min_domains(cls, value: Any) -> Any:
        if isinstance(value, dict) and "min_domains" in value:
            raise ValueError(
                "min_domains is no longer a setting: a composite needs every domain of the "
                "scheme (its yardstick), because a composite of fewer domains is another "
                "measure; remove the key, and leave out of the scheme any domain you cannot "
                "measure")
        return value

    @field_validator("reference", mode="plain",
                     json_schema_input_type=Literal["country", "gemeente"] | list[str])
    @classmethod
    def _reference(cls, value: Any) -> str | list[str]:
        """``country``, ``gemeente`` or a list of area codes (upper case)."""
        if isinstance(value, list):
            if not value:
                raise ValueError("reference list is empty")
            return [str(c).strip().upper() for c in value]
        if value not in ("country", "gemeente"):
            raise ValueError(f"unknown value {value!r}; choose country, gemeente or a list "
                             "of area codes")
        return value

    @field_validator("domains", mode="before", json_schema_input_type=dict[
        Literal[SCORE_DOMAINS], DomainModel | list[str]])  # type: ignore[valid-type]
    @classmethod
    def _domain_lists(cls, value: Any) -> Any:
        # a bare list of indicators is a domain with the defaults
        if isinstance(value, dict):
            return {k: {"indicators": v} if isinstance(v, list) else v
                    for k, v in value.items()}
        return value


# -- what scoring uses -----------------------------------------------------------------------

@dataclass(frozen=True)
class Derived:
    """A rate computed from two indicators: numerator / denominator * per."""

    id: str
    numerator: str
    denominator: str
    per: float
    shrink: str
    direction: str
    perspective: str
    min_population: int
    label_nl: str
    label_en: str
    unit: str

    def label(self, language: str = "nl") -> str:
        return self.label_en if language == "en" else self.label_nl


@dataclass(frozen=True)
class Domain:
    id: str
    weight: float
    indicators: dict[str, float]
    min_indicators: int


@dataclass(frozen=True)
class IndicatorSpec:
    """What scoring needs to know of one indicator of a scheme, catalog or derived."""

    id: str
    domain: str
    weight: float
    direction: str
    perspective: str
    min_population: int
    kind: str
    label: str
    derived: Derived | None = None
    tolerance: int = 2      # years before the peiljaar a figure may be from
    scaling: str = "linear"


@dataclass
class Scheme:
    name: str
    domains: dict[str, Domain]
    description: str = ""
    method: str = "zscore"
    reference: str | tuple[str, ...] = "country"
    weighting: str = "unweighted"
    population: str = "inwoners"
    classes: str = "deciles"
    flag_threshold: float = 0.9
    min_indicators: int = 1
    min_coverage: float = 0.9
    period_tolerance: int = 2
    rank_min_population: int = 1000
    perspective: str = "pooled"
    base_period: str | None = None
    derived: dict[str, Derived] = field(default_factory=dict)
    indicators: dict[str, IndicatorSpec] = field(default_factory=dict)
    file: str = ""

    @property
    def yardstick(self) -> list[str]:
        """The domains every composite needs, in :data:`SCORE_DOMAINS` order."""
        return [d for d in SCORE_DOMAINS if d in self.domains and self.domains[d].weight > 0]

    def raw_indicators(self) -> list[str]:
        """Every stored indicator scoring reads: the scheme's, derived inputs, population."""
        ids: list[str] = []
        for spec in self.indicators.values():
            ids += [spec.derived.numerator, spec.derived.denominator] if spec.derived \
                else [spec.id]
        ids.append(self.population)
        return list(dict.fromkeys(ids))

    def with_method(self, method: str | None) -> Scheme:
        """A copy with another method (the CLI's ``--method``), checked like the file."""
        if not method or method == self.method:
            return self
        if method not in METHOD_NAMES:
            raise SchemeError(f"unknown method {method!r}: choose {', '.join(METHOD_NAMES)}")
        copy = Scheme(**{**self.__dict__, "method": method})
        found = _classes_problems(copy)
        if found:
            raise SchemeError(describe(self.file or "scheme", found))
        return copy


def parse_scheme(document: object, catalog: Catalog, file: str = "scheme") -> Scheme:
    """Build and check a :class:`Scheme` from a parsed YAML document: first its form
    (:class:`SchemeModel`), then its indicators against the catalog; every error found
    in a step is reported at once."""
    if not isinstance(document, dict) or "domains" not in document:
        raise SchemeError(f"{file}: expected a mapping with a 'domains:' key")
    try:
        model = SchemeModel.model_validate(document)
    except ValidationError as exc:
        raise SchemeError(describe(file, problems(exc, SchemeModel))) from None
    found: list[Problem] = []
    scheme = _build(model, catalog, file, found)
    found += _classes_problems(scheme)
    if found:
        raise SchemeError(describe(file, found))
    return scheme


def _problem(key: str, message: str) -> Problem:
    return Problem(key, message, message)   # scheme files are documented in English


def _unknown(key: str, ident: str, known) -> Problem:
    close = difflib.get_close_matches(ident, list(known), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return _problem(key, f"unknown indicator {ident!r}{hint}; it is neither in the catalog "
                         "nor a derived rate of this scheme")


def _build(model: SchemeModel, catalog: Catalog, file: str, found: list[Problem]) -> Scheme:
    """The scheme of a valid file; what does not fit the catalog is added to ``found``."""
    derived = {ident: d for ident, spec in model.derived.items()
               if (d := _derived(ident, spec, catalog, found)) is not None}
    if model.population not in catalog:
        found.append(_unknown("population", model.population, catalog.indicators))
    specs: dict[str, IndicatorSpec] = {}
    domains = {domain_id: _domain(domain_id, raw, model, derived, catalog, specs, found)
               for domain_id, raw in model.domains.items()}
    if not any(d.weight for d in domains.values()):
        found.append(_problem("domains", "all domain weights are 0"))
    return Scheme(
        name=model.name if model.name is not None else Path(file).stem, domains=domains,
        description=model.description.strip(), method=model.method,
        reference=model.reference if isinstance(model.reference, str)
        else tuple(model.reference), weighting=model.weighting, population=model.population,
        classes=model.classes, flag_threshold=float(model.flag_threshold),
        min_indicators=model.min_indicators, min_coverage=float(model.min_coverage),
        period_tolerance=model.period_tolerance,
        rank_min_population=model.rank_min_population, perspective=model.perspective,
        base_period=model.base_period, derived=derived, indicators=specs, file=file)


def _derived(ident: str, spec: DerivedModel, catalog: Catalog,
             found: list[Problem]) -> Derived | None:
    key = f"derived.{ident}"
    if ident in catalog:
        found.append(_problem(key, f"the catalog already has an indicator {ident!r}; give "
                                   "the derived rate its own id so the two are never confused"))
        return None
    missing = [_unknown(f"{key}.{part}", name, catalog.indicators)
               for part, name in (("numerator", spec.numerator),
                                  ("denominator", spec.denominator)) if name not in catalog]
    if missing:
        found.extend(missing)
        return None
    numerator = catalog[spec.numerator]
    return Derived(
        id=ident, numerator=numerator.id, denominator=spec.denominator, per=float(spec.per),
        shrink=spec.shrink, direction=spec.direction or numerator.direction,
        perspective=spec.perspective or numerator.perspective,
        min_population=numerator.min_population if spec.min_population is None
        else spec.min_population,
        label_nl=spec.label.nl or ident, label_en=spec.label.en or ident,
        unit=spec.unit if spec.unit is not None else f"per {spec.per:g}")


def _domain(domain_id: str, raw: DomainModel, model: SchemeModel, derived: dict[str, Derived],
            catalog: Catalog, specs: dict[str, IndicatorSpec], found: list[Problem]) -> Domain:
    """One domain of the scheme; its indicators' specs are added to ``specs``."""
    key = f"domains.{domain_id}"
    weights: dict[str, float] = {}
    for ident, options in raw.indicators.items():
        here = f"{key}.indicators.{ident}"
        if ident in specs:
            found.append(_problem(here, f"indicator {ident!r} is already in domain "
                                        f"{specs[ident].domain!r}"))
            continue
        spec = _indicator_spec(ident, domain_id, options, model, derived, catalog, here, found)
        weights[ident] = float(options.weight)
        if spec is not None:
            specs[ident] = spec
    if not any(options.weight for options in raw.indicators.values()):
        found.append(_problem(f"{key}.indicators", "all indicator weights are 0"))
    domain_min = raw.min_indicators or model.min_indicators
    if domain_min > len(raw.indicators):
        found.append(_problem(f"{key}.min_indicators", f"min_indicators {domain_min} is more "
                                                       f"than the {len(raw.indicators)} "
                                                       "indicators listed"))
    return Domain(domain_id, float(raw.weight), weights, domain_min)


def _indicator_spec(ident: str, domain_id: str, options: IndicatorOptions, model: SchemeModel,
                    derived: dict[str, Derived], catalog: Catalog, key: str,
                    found: list[Problem]) -> IndicatorSpec | None:
    tolerance = model.period_tolerance if options.years is None else options.years
    if ident in derived:
        d = derived[ident]
        spec = IndicatorSpec(ident, domain_id, float(options.weight), d.direction,
                             d.perspective, d.min_population, "rate", d.label_nl, d, tolerance,
                             options.scaling)
    elif ident in catalog:
        entry = catalog[ident]
        spec = IndicatorSpec(ident, domain_id, float(options.weight), entry.direction,
                             entry.perspective, entry.min_population, entry.kind,
                             entry.label_nl, None, tolerance, options.scaling)
    else:
        found.append(_unknown(key, ident, [*catalog.indicators, *derived]))
        return None
    if spec.direction == "neutral":
        found.append(_problem(key, f"indicator {ident!r} has direction neutral in the "
                                   "catalog: it has no better or worse side and cannot enter "
                                   "a vulnerability score"))
        return None
    return spec


def _classes_problems(scheme: Scheme) -> list[Problem]:
    if scheme.classes == "wijkprofiel" and scheme.method not in ("zscore", "robust_z", "index"):
        return [_problem("classes", "classes wijkprofiel need a method on a z or index scale "
                                    f"(zscore, robust_z, index), not {scheme.method}")]
    if scheme.classes in ("pbl", "leefbaarometer") and scheme.method not in (
            "zscore", "robust_z", "index"):
        return [_problem("classes", f"classes {scheme.classes} cut a z-score; method "
                                    f"{scheme.method} gives ranks: use classes deciles")]
    return []


BUNDLED = BUNDLED_SCHEMES
#: the bundled scheme that scores grid cells (the default's domains have no cell figures)
GRID_SCHEME = "vierkant"


def load_scheme(path: Path | str | None, catalog: Catalog) -> Scheme:
    """Load a scheme file; None loads the bundled ``default.yaml``, and the name of a
    bundled scheme (:data:`BUNDLED`, e.g. ``gezondheidsmonitor``) that scheme."""
    found = scheme_file(path)
    if found is None:
        raise SchemeError(f"{path}: scheme file not found")
    file, entry = found
    text = entry.read_text(encoding="utf-8")
    try:
        document = yamlsafe.load(text, file=file)
    except yaml.YAMLError as exc:
        raise SchemeError(f"{file}: not valid YAML ({exc})") from exc
    return parse_scheme(document, catalog, file)


__all__ = ["BUNDLED", "GRID_SCHEME", "Derived", "Domain", "IndicatorSpec", "Scheme",
           "SchemeError", "load_scheme", "parse_scheme", "METHOD_NAMES", "CLASS_SYSTEMS", "SCORE_DOMAINS"]
