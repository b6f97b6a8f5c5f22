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

import pandas as pd

from .catalog import DOMAINS, Catalog
from .geo.codes import COUNTRY
from .store import Store

COLUMNS = ["domain", "indicator", "label", "unit", "period", "vintage", "value", "status",
           "gemeente_value", "country_value", "perspective", "source", "reliable"]


def area_profile(store: Store, catalog: Catalog, area: str,
                 *, language: str = "nl") -> tuple[pd.Series, pd.DataFrame]:
    """Return ``(area, figures)`` for a code or name; figures in :data:`COLUMNS`."""
    found = store.resolve_area(area)
    code, gemeente = found["code"], found["gemeente_code"]
    # without the areas' names (the join that finds them is most of the query's time)
    figures = store.observations(codes=[code], with_names=False)
    # "missing" marks a period a source did not cover: the latest real figure is wanted
    figures = figures[figures["status"] != "missing"]
    if figures.empty:
        return found, pd.DataFrame(columns=COLUMNS)
    # a published figure beats an estimate of the same period (one moved onto other
    # boundaries), then the newest vintage
    figures = figures.assign(_published=figures["status"] != "estimated")
    latest = (figures.sort_values(["year", "period", "_published", "vintage"])
                     .groupby("indicator", as_index=False).tail(1))
    references = store.observations(
        codes=[c for c in (gemeente, COUNTRY) if pd.notna(c) and c and c != code],
        indicators=list(latest["indicator"]), with_names=False)
    population = latest.loc[latest["indicator"] == "inwoners", "value"]
    population = float(population.iloc[0]) if len(population) else None
    # the reference of a figure: the same indicator, period and vintage, per area
    known = references[references["value"].notna()]
    reference = dict(zip(zip(known["area_code"], known["indicator"], known["period"],
                             known["vintage"].astype(int), strict=True),
                         known["value"].astype(float), strict=True))
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
            "gemeente_value": reference.get((gemeente, *same)),
            "country_value": reference.get((COUNTRY, *same)),
            "perspective": indicator.perspective if indicator else "",
            "source": figure.source,
            "reliable": _reliable(indicator, population),
        })
    order = {d: i for i, d in enumerate(DOMAINS)}
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.sort_values(["domain", "label"], key=lambda s: s.map(order)
                              if s.name == "domain" else s.str.lower())
    return found, frame.reset_index(drop=True)


def _reliable(indicator, population: float | None) -> bool | None:
    """False when the area has fewer residents than the indicator's minimum population."""
    if indicator is None or not indicator.min_population or population is None:
        return None
    return population >= indicator.min_population
