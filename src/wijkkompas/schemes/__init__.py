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
orientation and a ``neutral`` indicator cannot be used. Errors name the file and the key.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from .. import yamlsafe
from ..catalog import DIRECTIONS, DOMAINS, PERSPECTIVES, Catalog
from ..errors import WijkkompasError

METHOD_NAMES = ("zscore", "robust_z", "percentile", "imd", "index")
CLASS_SYSTEMS = ("deciles", "leefbaarometer", "pbl", "wijkprofiel")
SHRINK = ("none", "global", "local")
SCORE_DOMAINS = tuple(d for d in DOMAINS if d != "context")
SCALINGS = ("linear", "normal_scores")
_KEYS = {"name", "description", "method", "reference", "weighting", "population", "classes",
         "flag_threshold", "min_indicators", "min_coverage", "period_tolerance",
         "rank_min_population", "perspective", "base_period", "derived", "domains"}
_INDICATOR_KEYS = {"weight", "years", "scaling"}


class SchemeError(WijkkompasError):
    """A scheme file is invalid or does not fit the catalog."""


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
        _check_classes(copy, self.file or "scheme")
        return copy


def _number(value, where: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchemeError(f"{where}: weight must be a number, not {value!r}")
    value = float(value)
    if value != value or value < 0 or (positive and value == 0):
        raise SchemeError(f"{where}: weight must be {'positive' if positive else '0 or more'}, "
                          f"not {value:g}")
    return value


def _whole(value, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SchemeError(f"{where}: must be a whole number >= {minimum}, not {value!r}")
    return value


def _choice(value, options, where: str) -> str:
    if value not in options:
        raise SchemeError(f"{where}: unknown value {value!r}; choose {', '.join(options)}")
    return value


def _unknown(ident: str, known, where: str) -> SchemeError:
    close = difflib.get_close_matches(ident, list(known), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return SchemeError(f"{where}: unknown indicator {ident!r}{hint}; it is neither in the "
                       "catalog nor a derived rate of this scheme")


def _derived(raw: object, catalog: Catalog, file: str) -> dict[str, Derived]:
    out: dict[str, Derived] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        raise SchemeError(f"{file}: derived must be a mapping id: definition")
    for ident, spec in raw.items():
        where = f"{file}: derived {ident!r}"
        if ident in catalog:
            raise SchemeError(f"{where}: the catalog already has an indicator {ident!r}; give "
                              "the derived rate its own id so the two are never confused")
        if not isinstance(spec, dict):
            raise SchemeError(f"{where}: expected a mapping with numerator and denominator")
        for key in ("numerator", "denominator"):
            if key not in spec:
                raise SchemeError(f"{where}: missing {key}")
            if spec[key] not in catalog:
                raise _unknown(str(spec[key]), catalog.indicators, f"{where} {key}")
        numerator = catalog[spec["numerator"]]
        per = spec.get("per", 1)
        if isinstance(per, bool) or not isinstance(per, (int, float)) or per <= 0:
            raise SchemeError(f"{where}: per must be a positive number, not {per!r}")
        direction = spec.get("direction", numerator.direction)
        perspective = spec.get("perspective", numerator.perspective)
        label = spec.get("label") or {}
        out[str(ident)] = Derived(
            id=str(ident), numerator=numerator.id, denominator=str(spec["denominator"]),
            per=float(per), shrink=_choice(spec.get("shrink", "none"), SHRINK, f"{where} shrink"),
            direction=_choice(direction, DIRECTIONS, f"{where} direction"),
            perspective=_choice(perspective, PERSPECTIVES, f"{where} perspective"),
            min_population=_whole(spec.get("min_population", numerator.min_population),
                                  f"{where} min_population"),
            label_nl=str(label.get("nl", ident)), label_en=str(label.get("en", ident)),
            unit=str(spec.get("unit", f"per {per:g}")))
    return out


def _check_classes(scheme: Scheme, file: str) -> None:
    if scheme.classes == "wijkprofiel" and scheme.method not in ("zscore", "robust_z", "index"):
        raise SchemeError(f"{file}: classes wijkprofiel need a method on a z or index scale "
                          f"(zscore, robust_z, index), not {scheme.method}")
    if scheme.classes in ("pbl", "leefbaarometer") and scheme.method not in (
            "zscore", "robust_z", "index"):
        raise SchemeError(f"{file}: classes {scheme.classes} cut a z-score; method "
                          f"{scheme.method} gives ranks: use classes deciles")


def parse_scheme(document: object, catalog: Catalog, file: str = "scheme") -> Scheme:
    """Build and check a :class:`Scheme` from a parsed YAML document."""
    if not isinstance(document, dict) or "domains" not in document:
        raise SchemeError(f"{file}: expected a mapping with a 'domains:' key")
    if "min_domains" in document:
        raise SchemeError(f"{file}: min_domains is no longer a setting: a composite needs "
                          "every domain of the scheme (its yardstick), because a composite "
                          "of fewer domains is another measure; remove the key, and leave "
                          "out of the scheme any domain you cannot measure")
    extra = set(document) - _KEYS
    if extra:
        raise SchemeError(f"{file}: unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                          f"known: {', '.join(sorted(_KEYS))}")
    method = _choice(document.get("method", "zscore"), METHOD_NAMES, f"{file}: method")
    reference = _reference(document.get("reference", "country"), file)
    population = str(document.get("population", "inwoners"))
    if population not in catalog:
        raise _unknown(population, catalog.indicators, f"{file}: population")
    threshold = document.get("flag_threshold", 0.9)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not (
            0 < threshold <= 1):
        raise SchemeError(f"{file}: flag_threshold must be a percentile rank in (0, 1], "
                          f"not {threshold!r}")
    base = document.get("base_period")
    derived = _derived(document.get("derived"), catalog, file)
    raw_domains = document["domains"]
    if not isinstance(raw_domains, dict) or not raw_domains:
        raise SchemeError(f"{file}: domains must be a non-empty mapping domain: spec")
    min_indicators = _whole(document.get("min_indicators", 1), f"{file}: min_indicators", 1)
    tolerance = _whole(document.get("period_tolerance", 2), f"{file}: period_tolerance")
    coverage = document.get("min_coverage", 0.9)
    if isinstance(coverage, bool) or not isinstance(coverage, (int, float)) or not (
            0 <= coverage <= 1):
        raise SchemeError(f"{file}: min_coverage must be a share in [0, 1], not {coverage!r}")
    domains: dict[str, Domain] = {}
    specs: dict[str, IndicatorSpec] = {}
    for domain_id, raw in raw_domains.items():
        domains[domain_id] = _domain(domain_id, raw, f"{file}: domain {domain_id!r}",
                                     min_indicators, derived, catalog, specs, tolerance)
    if not any(d.weight for d in domains.values()):
        raise SchemeError(f"{file}: all domain weights are 0")
    scheme = Scheme(
        name=str(document.get("name", Path(file).stem)), domains=domains,
        description=str(document.get("description", "")).strip(), method=method,
        reference=reference,
        weighting=_choice(document.get("weighting", "unweighted"), ("unweighted", "population"),
                          f"{file}: weighting"),
        population=population,
        classes=_choice(document.get("classes", "deciles"), CLASS_SYSTEMS, f"{file}: classes"),
        flag_threshold=float(threshold), min_indicators=min_indicators,
        min_coverage=float(coverage), period_tolerance=tolerance,
        rank_min_population=_whole(document.get("rank_min_population", 1000),
                                   f"{file}: rank_min_population"),
        perspective=_choice(document.get("perspective", "pooled"), ("pooled", "half"),
                            f"{file}: perspective"),
        base_period=None if base is None else str(base), derived=derived, indicators=specs,
        file=file)
    _check_classes(scheme, file)
    return scheme


def _reference(reference: object, file: str) -> str | tuple[str, ...]:
    """``country``, ``gemeente`` or a list of area codes (upper case)."""
    if isinstance(reference, list):
        if not reference:
            raise SchemeError(f"{file}: reference list is empty")
        return tuple(str(c).strip().upper() for c in reference)
    return _choice(reference, ("country", "gemeente"), f"{file}: reference")


def _domain(domain_id: str, raw: object, where: str, min_indicators: int,
            derived: dict[str, Derived], catalog: Catalog,
            specs: dict[str, IndicatorSpec], tolerance: int) -> Domain:
    """One domain of the scheme; its indicators' specs are added to ``specs``."""
    if domain_id not in SCORE_DOMAINS:
        raise SchemeError(f"{where}: unknown domain; choose {', '.join(SCORE_DOMAINS)}")
    if isinstance(raw, list):
        raw = {"indicators": raw}
    if not isinstance(raw, dict) or not raw.get("indicators"):
        raise SchemeError(f"{where}: needs an 'indicators:' list or mapping")
    extra = set(raw) - {"weight", "min_indicators", "indicators"}
    if extra:
        raise SchemeError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
    weight = _number(raw.get("weight", 1), f"{where} weight")
    listed = raw["indicators"]
    if isinstance(listed, list):
        listed = {str(i): 1 for i in listed}
    if not isinstance(listed, dict):
        raise SchemeError(f"{where}: indicators must be a list or a mapping id: weight")
    weights: dict[str, float] = {}
    for ident, entry in listed.items():
        ident = str(ident)
        here = f"{where} indicator {ident!r}"
        options = entry if isinstance(entry, dict) else {"weight": entry}
        extra = set(options) - _INDICATOR_KEYS
        if extra:
            raise SchemeError(f"{here}: unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                              f"known: {', '.join(sorted(_INDICATOR_KEYS))}")
        w = _number(options.get("weight", 1), here)
        if ident in specs:
            raise SchemeError(f"{where}: indicator {ident!r} is already in domain "
                              f"{specs[ident].domain!r}")
        spec = _indicator_spec(ident, domain_id, w, derived, catalog, where)
        spec = replace(spec, tolerance=_whole(options.get("years", tolerance), f"{here} years"),
                       scaling=_choice(options.get("scaling", "linear"), SCALINGS,
                                       f"{here} scaling"))
        weights[ident] = w
        specs[ident] = spec
    if not any(weights.values()):
        raise SchemeError(f"{where}: all indicator weights are 0")
    domain_min = _whole(raw.get("min_indicators", min_indicators),
                        f"{where} min_indicators", 1)
    if domain_min > len(weights):
        raise SchemeError(f"{where}: min_indicators {domain_min} is more than the "
                          f"{len(weights)} indicators listed")
    return Domain(domain_id, weight, weights, domain_min)


def _indicator_spec(ident: str, domain_id: str, weight: float, derived: dict[str, Derived],
                    catalog: Catalog, where: str) -> IndicatorSpec:
    if ident in derived:
        d = derived[ident]
        spec = IndicatorSpec(ident, domain_id, weight, d.direction, d.perspective,
                             d.min_population, "rate", d.label_nl, d)
    elif ident in catalog:
        entry = catalog[ident]
        spec = IndicatorSpec(ident, domain_id, weight, entry.direction, entry.perspective,
                             entry.min_population, entry.kind, entry.label_nl)
    else:
        raise _unknown(ident, [*catalog.indicators, *derived], where)
    if spec.direction == "neutral":
        raise SchemeError(f"{where}: indicator {ident!r} has direction neutral in the "
                          "catalog: it has no better or worse side and cannot enter a "
                          "vulnerability score")
    return spec


BUNDLED = ("default", "gezondheidsmonitor")


def load_scheme(path: Path | str | None, catalog: Catalog) -> Scheme:
    """Load a scheme file; None loads the bundled ``default.yaml``, and the name of a
    bundled scheme (:data:`BUNDLED`, e.g. ``gezondheidsmonitor``) that scheme."""
    name = "default" if path is None else str(path)
    if name in BUNDLED and not Path(name).is_file():
        entry = resources.files("wijkkompas.schemes") / f"{name}.yaml"
        text, file = entry.read_text(encoding="utf-8"), f"schemes/{name}.yaml"
    else:
        path = Path(name)
        if not path.is_file():
            raise SchemeError(f"{path}: scheme file not found")
        text, file = path.read_text(encoding="utf-8"), str(path)
    try:
        document = yamlsafe.load(text, file=file)
    except yaml.YAMLError as exc:
        raise SchemeError(f"{file}: not valid YAML ({exc})") from exc
    return parse_scheme(document, catalog, file)


__all__ = ["BUNDLED", "Derived", "Domain", "IndicatorSpec", "Scheme", "SchemeError", "load_scheme",
           "parse_scheme", "METHOD_NAMES", "CLASS_SYSTEMS", "SCORE_DOMAINS"]
