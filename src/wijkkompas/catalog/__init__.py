"""The indicator catalog: what every indicator means and how it is to be read.

The catalog is a set of YAML files, each with a list ``indicators:``. The default files
ship in ``catalog/default/`` (one per source family); users add their own with
``--catalog FILE`` or the ``WIJKKOMPAS_CATALOG`` environment variable (paths separated
by the OS path separator). A user entry with the same id replaces the default one.

Every entry::

    - id: goede_gezondheid              # lower_snake_case, unique
      label: {nl: "...", en: "..."}
      unit: "%"                          # %, aantal, per 1000, x 1000 euro, km, ...
      definition: "..."                  # what is counted, for whom
      definition_nl: "..."               # the same in Dutch (optional; or definition: {nl, en})
      source: "CBS 50090NED ..."         # publishing table or organisation
      domain: gezondheid                 # one of DOMAINS
      direction: higher_is_better        # or higher_is_worse, neutral
      kind: share                        # count, share, rate, mean, index
      denominator: "inwoners 18+"        # for shares and rates
      perspective: subjective            # objective (registrations) or subjective (residents' answers)
      min_population: 100                # below this many residents the figure is unreliable
      aliases: [ErvarenGezondheidGoedZeerGoed]  # column names in source files

Aliases are compared after :func:`normalise_key`, so ``ErvarenGezondheidGoedZeerGoed_4``
(OData), ``Ervaren gezondheid goed/zeer goed (%)`` (CSV export) and
``Ervaren.gezondheid.goed.zeer.goed....`` (R export) can all be listed and matched.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import yamlsafe
from ..definitions import catalog_files
from ..errors import CatalogError
from ..settings import settings

DOMAINS = {
    "opgroeien_onderwijs": {"nl": "Opgroeien en onderwijs", "en": "Growing up and education"},
    "werk_armoede_inclusie": {"nl": "Werk, armoede en inclusie",
                              "en": "Work, poverty and inclusion"},
    "veiligheid_ondermijning": {"nl": "Veiligheid en ondermijning",
                                "en": "Safety and organised crime"},
    "wonen": {"nl": "Wonen", "en": "Housing"},
    "gezondheid": {"nl": "(Psychische) gezondheid", "en": "(Mental) health"},
    "context": {"nl": "Context", "en": "Context"},
}
DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
KINDS = ("count", "share", "rate", "mean", "index")
PERSPECTIVES = ("objective", "subjective")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = ("id", "label", "unit", "definition", "source", "domain", "direction", "kind",
             "perspective")
# an OData key CBS prefixed with k_ because it begins with a digit (k_0Tot15Jaar), without
# its _N suffix: one underscore, then a digit and at least one capital (short names are lower case)
_ODATA_DIGIT_KEY = re.compile(r"k_\d[0-9A-Za-z]*[A-Z][0-9A-Za-z]*")


def normalise_key(name: str) -> str:
    """Compare column names across CBS dialects: drop the OData ``_N`` suffix, keep a-z0-9.

    The suffix is only dropped from OData-style keys (no other underscore:
    ``AantalInwoners_5``), so that CBS's short spreadsheet names keep their numbers
    (``p_hh_110`` and ``p_hh_120`` are different columns). CBS prefixes an OData key that
    would begin with a digit with ``k_`` (``k_0Tot15Jaar_8``,
    ``k_40PersonenMetLaagsteInkomen_79``): that underscore does not count.
    """
    name = str(name).strip()
    base = re.sub(r"_\d+$", "", name)
    if "_" not in base or _ODATA_DIGIT_KEY.fullmatch(base):
        name = base
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Indicator:
    id: str
    label_nl: str
    label_en: str
    unit: str
    definition: str
    source: str
    domain: str
    direction: str
    kind: str
    perspective: str
    denominator: str = ""
    min_population: int = 0
    aliases: tuple[str, ...] = ()
    file: str = ""
    definition_nl: str = ""

    def label(self, language: str = "nl") -> str:
        return self.label_en if language == "en" else self.label_nl

    def describe(self, language: str = "nl") -> str:
        """The definition in ``language``: ``definition`` is English, ``definition_nl``
        Dutch (the English one where an entry has no Dutch definition yet)."""
        return self.definition_nl if language == "nl" and self.definition_nl \
            else self.definition


@dataclass
class Catalog:
    indicators: dict[str, Indicator] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)

    def __contains__(self, indicator_id: str) -> bool:
        return indicator_id in self.indicators

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise CatalogError(f"unknown indicator {indicator_id!r}") from None

    def __iter__(self):
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def resolve(self, column: str) -> str | None:
        """The indicator id a source column name stands for, or None."""
        key = normalise_key(column)
        if key in self._aliases:
            return self._aliases[key]
        return key if key in self.indicators else None

    def add(self, indicator: Indicator) -> None:
        old = self.indicators.get(indicator.id)
        if old is not None:  # a later file replaces the entry, and its aliases
            self._aliases = {k: v for k, v in self._aliases.items() if v != old.id}
        self.indicators[indicator.id] = indicator
        for alias in (indicator.id, *indicator.aliases):
            key = normalise_key(alias)
            other = self._aliases.get(key)
            if other is not None and other != indicator.id:
                raise CatalogError(f"{indicator.file}: alias {alias!r} of {indicator.id!r} is "
                                   f"already an alias of {other!r}")
            self._aliases[key] = indicator.id


def _entry(raw: object, file: str, position: int) -> Indicator:
    where = f"{file}: indicator #{position}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping with keys {', '.join(_REQUIRED)}")
    missing = [key for key in _REQUIRED if key not in raw or raw[key] in (None, "")]
    if missing:
        raise CatalogError(f"{where} ({raw.get('id', '?')}): missing {', '.join(missing)}")
    ident = str(raw["id"])
    where = f"{file}: indicator {ident!r}"
    checks = [
        (_ID.match(ident), "id must be lower_snake_case"),
        (raw["domain"] in DOMAINS, f"domain must be one of {', '.join(DOMAINS)}"),
        (raw["direction"] in DIRECTIONS, f"direction must be one of {', '.join(DIRECTIONS)}"),
        (raw["kind"] in KINDS, f"kind must be one of {', '.join(KINDS)}"),
        (raw["perspective"] in PERSPECTIVES, "perspective must be objective or subjective"),
        (isinstance(raw["label"], dict) and raw["label"].get("nl") and raw["label"].get("en"),
         "label needs nl and en"),
    ]
    for ok, message in checks:
        if not ok:
            raise CatalogError(f"{where}: {message}")
    try:
        min_population = int(raw.get("min_population") or 0)
    except (TypeError, ValueError):
        raise CatalogError(f"{where}: min_population must be a whole number") from None
    definition, definition_nl = _definitions(raw["definition"], raw.get("definition_nl"))
    return Indicator(
        id=ident, label_nl=str(raw["label"]["nl"]), label_en=str(raw["label"]["en"]),
        unit=str(raw["unit"]), definition=definition, definition_nl=definition_nl,
        source=str(raw["source"]), domain=raw["domain"], direction=raw["direction"],
        kind=raw["kind"], perspective=raw["perspective"],
        denominator=str(raw.get("denominator") or ""), min_population=min_population,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()), file=file)


def _definitions(definition: object, dutch: object) -> tuple[str, str]:
    """(English, Dutch) from ``definition: text`` (English) with an optional
    ``definition_nl: text``, or ``definition: {en: ..., nl: ...}``."""
    if isinstance(definition, dict):
        english = str(definition.get("en") or definition.get("nl") or "").strip()
        return english, str(definition.get("nl") or dutch or "").strip()
    return str(definition).strip(), str(dutch or "").strip()


def _load_text(catalog: Catalog, text: str, file: str) -> None:
    try:
        document = yamlsafe.load(text, file=file)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("indicators"), list):
        raise CatalogError(f"{file}: expected a top-level 'indicators:' list")
    seen: set[str] = set()
    for position, raw in enumerate(document["indicators"], start=1):
        indicator = _entry(raw, file, position)
        if indicator.id in seen:
            raise CatalogError(f"{file}: indicator {indicator.id!r} appears twice")
        seen.add(indicator.id)
        catalog.add(indicator)


def load_catalog(extra: Sequence[Path | str] | None = None, *,
                 defaults: bool = True) -> Catalog:
    """The default catalog plus user files (``extra`` and ``$WIJKKOMPAS_CATALOG``), in
    the order of :func:`wijkkompas.definitions.catalog_files`."""
    catalog = Catalog()
    for name, file in catalog_files(extra, settings().catalog, defaults=defaults):
        _load_text(catalog, file.read_text(encoding="utf-8"), name)
    return catalog
