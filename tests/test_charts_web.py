"""The area pages' two charts (wijkkompas.charts, section "Web application charts"):
Vega-Lite specifications written as dictionaries, so they are checked here against the
Vega-Lite schema altair ships (the version their ``$schema`` names) and drawn by
vl-convert, with the values and texts the page gave them."""
from __future__ import annotations

import math

import altair as alt
import jsonschema
import numpy as np
import pytest

from wijkkompas import charts

TREND_WORDS = {"year_axis": "jaar", "year": "Jaar", "area": "Gebied", "value": "Waarde",
               "description": "WOZ-waarde: lijngrafiek per jaar van Moerwijk, Den Haag."}
DOMAIN_WORDS = {"axis": "positie onder de gebieden van hetzelfde niveau",
                "domain": "Domein", "area": "Gebied", "value": "Waarde",
                "description": "Puntgrafiek van de domeinscores: Moerwijk, Den Haag."}


@pytest.fixture(scope="module")
def validator():
    schema = alt.load_schema()
    assert schema.get("$schema") and alt.SCHEMA_URL.startswith("https://vega.github.io")
    return jsonschema.Draft7Validator(schema)


def _valid(validator, spec: dict) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(spec)]
    assert not errors, errors


def test_the_trend_chart_is_valid_and_draws_its_rows(validator):
    rows = [{"area": "Moerwijk", "year": np.int64(2019), "value": 171_000.0, "period": "x"},
            {"area": "Moerwijk", "year": 2020, "value": math.nan},
            {"area": "Den Haag", "year": 2019, "value": np.float64(254_000.0)},
            {"area": "Den Haag", "year": 2021, "value": 281_000.5}]
    spec = charts.web_trend_chart(rows, TREND_WORDS, title="WOZ-waarde", unit="euro",
                                  reference_note="Referentie: Den Haag (2019–2021)")
    _valid(validator, spec)
    assert spec["$schema"] == alt.SCHEMA_URL
    # the values as given, NaN as null, other keys left out, numpy scalars as JSON
    assert spec["datasets"] == {"trend": [
        {"area": "Moerwijk", "year": 2019, "value": 171_000.0},
        {"area": "Moerwijk", "year": 2020, "value": None},
        {"area": "Den Haag", "year": 2019, "value": 254_000.0},
        {"area": "Den Haag", "year": 2021, "value": 281_000.5}]}
    colour = spec["encoding"]["color"]
    assert colour["scale"] == {"domain": ["Moerwijk", "Den Haag"],
                               "range": [charts.PLAN_COLOR, charts.REFERENCE_COLOR]}
    assert spec["encoding"]["x"]["axis"]["tickCount"]["expr"] == \
        "min(2, max(2, floor(width / 55)))"  # the span of the years: 2019-2021
    svg = charts.to_svg(spec)
    assert svg.lstrip().startswith("<svg")
    for text in ("WOZ-waarde", "Referentie: Den Haag (2019–2021)", "Moerwijk", "Den Haag",
                 "euro", "jaar"):
        assert text in svg


def test_an_empty_trend_chart_is_still_a_valid_spec(validator):
    spec = charts.web_trend_chart([], TREND_WORDS, title="WOZ-waarde")
    _valid(validator, spec)
    assert spec["datasets"] == {"trend": []} and spec["title"] == "WOZ-waarde"
    assert spec["encoding"]["y"]["title"] is None


@pytest.mark.parametrize("scale", ["position", "score"])
def test_the_domain_chart_is_valid_and_draws_its_points(validator, scale):
    rows = [{"domain": d, "area": a, "value": v}
            for d, pairs in (("Wonen", (("Moerwijk", 12.0), ("Den Haag", 48.0))),
                             ("Gezondheid", (("Moerwijk", 20.0), ("Den Haag", 51.0))))
            for a, v in pairs]
    spec = charts.web_domain_chart(rows, DOMAIN_WORDS, title="Domeinscores",
                                   reference_note="Peiljaar 2022.", scale=scale)
    _valid(validator, spec)
    points = spec["layer"][1]
    assert spec["datasets"]["domains"] == rows and spec["height"] == 68
    assert spec["datasets"]["middle"] == [{"x": 50 if scale == "position" else 0}]
    assert points["encoding"]["x"].get("scale") == (
        {"domain": [0, 100]} if scale == "position" else None)
    assert points["encoding"]["tooltip"][2]["format"] == (
        ".0f" if scale == "position" else ".2f")
    svg = charts.to_svg(spec)
    for text in ("Domeinscores", "Peiljaar 2022.", "Wonen", "Gezondheid", "Moerwijk"):
        assert text in svg
