"""An area's profile: its latest figure per indicator, with the gemeente and country beside it.

For every indicator the store holds for the area, the newest period with a figure or a
suppressed cell is taken (and, for the same period, a published figure before an
estimate moved from other boundaries, then the newest boundary vintage). The
reference values are those of the area's gemeente and of the country (NL01) for the
*same* period, vintage and indicator, when the store has them; no reference value is
computed here (aggregation up the hierarchy weights by population and belongs to the
scoring code), so a blank reference means that the source did not publish one.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .catalog import DOMAINS, Catalog
from .geo.codes import COUNTRY
from .store import Store

COLUMNS = ["domain", "indicator", "label", "unit", "period", "vintage", "value", "status",
           "gemeente_value", "country_value", "perspective", "source", "reliable"]


def area_profile(store: Store, catalog: Catalog, area: str, *, language: str = "nl",
                 found: pd.Series | None = None, latest: pd.DataFrame | None = None,
                 references: Callable[[str], dict] | None = None
                 ) -> tuple[pd.Series, pd.DataFrame]:
    """Return ``(area, figures)`` for a code or name; figures in :data:`COLUMNS`.

    A caller that shows many profiles (the web app) passes what it keeps: ``found``, the
    area as :meth:`~wijkkompas.store.Store.resolve_area` gives it; ``latest``, the area's
    rows of :meth:`~wijkkompas.store.Store.latest_figures` (read once for a whole level);
    ``references(code)``, :func:`reference_values` of a gemeente or the country.
    """
    found = store.resolve_area(area) if found is None else found
    code, gemeente = found["code"], found["gemeente_code"]
    latest = store.latest_figures(code=code) if latest is None else latest
    if latest.empty:
        return found, pd.DataFrame(columns=COLUMNS)
    population = latest.loc[latest["indicator"] == "inwoners", "value"]
    population = float(population.iloc[0]) if len(population) else None
    values = references or (lambda c: reference_values(
        store.observations(codes=[c], with_names=False)))
    gemeente_values = values(gemeente) if pd.notna(gemeente) and gemeente and \
        gemeente != code else {}
    country_values = values(COUNTRY) if code != COUNTRY else {}
    rows = []
    for figure in latest.itertuples():
        indicator = catalog.indicators.get(figure.indicator)
        same = (figure.indicator, figure.period, int(figure.vintage))
        rows.append({
            "domain": indicator.domain if indicator else "context",
            "indicator": figure.indicator,
            "label": indicator.label(language) if indicator else figure.indicator,
            "unit": indicator.unit if indicator else "",
            "period": figure.period, "vintage": int(figure.vintage),
            "value": figure.value, "status": figure.status,
            "gemeente_value": gemeente_values.get(same),
            "country_value": country_values.get(same),
            "perspective": indicator.perspective if indicator else "",
            "source": figure.source,
            "reliable": _reliable(indicator, population),
        })
    order = {d: i for i, d in enumerate(DOMAINS)}
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.sort_values(["domain", "label"], key=lambda s: s.map(order)
                              if s.name == "domain" else s.str.lower(), kind="stable")
    return found, frame.reset_index(drop=True)


def reference_values(figures: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    """The figures with a value of one area (a gemeente, the country; ``figures`` as
    :meth:`~wijkkompas.store.Store.observations` gives them) by ``(indicator, period,
    vintage)``: the reference beside another area's figure of the same indicator,
    period and boundaries."""
    known = figures[figures["value"].notna()]
    return dict(zip(zip(known["indicator"], known["period"], known["vintage"].astype(int),
                        strict=True), known["value"].astype(float), strict=True))


def _reliable(indicator, population: float | None) -> bool | None:
    """False when the area has fewer residents than the indicator's minimum population."""
    if indicator is None or not indicator.min_population or population is None:
        return None
    return population >= indicator.min_population
