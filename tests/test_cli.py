"""The command-line tool, end to end on the bundled real data."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import shapely.geometry
from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.store import Store

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_loads_everything_once(tmp_path):
    first = run("demo", "--no-serve", "--store", tmp_path / "s")
    assert "cbs-50090NED" in first and "1.369.939" in first  # Dutch thousands separator
    again = run("demo", "--no-serve", "--store", tmp_path / "s")
    assert "0 figures added" in again


def test_areas_search_and_levels(demo_store):
    out = run("areas", "Moerwijk", "--store", demo_store.directory)
    assert "BU05183638" in out and "Moerwijk-Noord" in out
    listed = pd.read_csv(io.StringIO(run("areas", "--level", "gemeente", "--vintage", "2020",
                                         "--limit", "0", "--csv", "--store",
                                         demo_store.directory)))
    assert len(listed) == 355  # all gemeenten of the 2020 indeling (CBS 50090NED)


def test_indicators_with_counts(demo_store):
    frame = pd.read_csv(io.StringIO(run("indicators", "--csv", "--store",
                                        demo_store.directory)))
    row = frame.set_index("id").loc["moeite_met_rondkomen"]
    assert row["domain"] == "werk_armoede_inclusie" and row["figures"] > 40_000
    assert row["years"] == "2012-2020"


def test_show_profile_with_references(demo_store):
    # Laakkwartier en Spoorwijk, Den Haag: difficulty making ends meet 2020 (CBS 50090NED)
    frame = pd.read_csv(io.StringIO(run("show", "WK051838", "--csv", "--store",
                                        demo_store.directory)))
    row = frame.set_index("indicator").loc["moeite_met_rondkomen"]
    assert (row["value"], row["gemeente_value"], row["country_value"]) == (29.0, 22.2, 13.9)
    assert str(row["period"]) == "2020"
    text = run("show", "WK051838", "--store", demo_store.directory)
    assert "Laakkwartier" in text and "29,0" in text and "Werk, armoede en inclusie" in text


def test_show_unknown_area(demo_store):
    result = runner.invoke(app, ["show", "Atlantis", "--store", str(demo_store.directory)])
    assert result.exit_code == 1 and "no area" in result.output


def test_export_csv_and_parquet_round_trip(demo_store, tmp_path):
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"out.{suffix}"
        run("export", path, "--level", "gemeente", "--indicator", "moeite_met_rondkomen",
            "--period", "2020", "--store", demo_store.directory)
        again = Store(tmp_path / f"again-{suffix}")
        run("ingest", path, "--store", again.directory)
        back = again.observations().set_index("area_code")
        original = demo_store.observations(level="gemeente", indicators=["moeite_met_rondkomen"],
                                           periods=["2020"]).set_index("area_code")
        assert len(back) == len(original) == 355
        assert back.loc["GM0518", "value"] == original.loc["GM0518", "value"] == 22.2
        assert back.loc["GM0518", "name"] == "'s-Gravenhage"
    licence = json.loads(pq.read_schema(tmp_path / "out.parquet").metadata[
        b"wijkkompas.sources"])["cbs-50090NED"]["licence"]
    assert licence == "CC BY 4.0"


def test_export_geojson_map(demo_store, tmp_path):
    path = tmp_path / "woz.geojson"
    run("export", path, "--level", "wijk", "--period", "2024", "--indicator", "woz_waarde",
        "--vintage", "2024", "--within", "GM0518", "--store", demo_store.directory)
    document = json.loads(path.read_text())
    features = {f["properties"]["code"]: f for f in document["features"]}
    assert features["WK051838"]["properties"]["woz_waarde"] > 0
    centre = shapely.geometry.shape(features["WK051838"]["geometry"]).centroid
    assert 4.2 < centre.x < 4.4 and 52.0 < centre.y < 52.1  # Den Haag, in WGS84


def test_export_geojson_needs_one_map(demo_store, tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path / "x.geojson"), "--indicator",
                                 "woz_waarde", "--store", str(demo_store.directory)])
    assert result.exit_code == 1 and "one --level and one --period" in result.output


def test_fetch_downloads_and_loads(api, tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))
    out = run("fetch", "50090NED", "--dest", tmp_path / "dl", "--store", tmp_path / "s")
    assert "downloaded 50090NED" in out
    figures = Store(tmp_path / "s").observations(codes=["BU03630000"],
                                                 indicators=["ervaren_gezondheid_goed"])
    assert figures["value"].item() == 84.4  # Kop Zeedijk, 2020
    assert figures["name"].item() == "Kop Zeedijk"


def test_every_command_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert re.search(rf"wijkkompas {name}\b", readme), f"wijkkompas {name} not in README"


def test_score_csv_contract_and_real_ranking(demo_store):
    out = run("score", "--level", "wijk", "--period", "2020", "--within", "GM0518",
              "--store", demo_store.directory)
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:10]) == ["code", "name", "level", "period", "vulnerability",
                                        "rank", "class", "flags", "flagged_domains",
                                        "n_indicators"]
    assert {f"domain_{d}" for d in ("opgroeien_onderwijs", "werk_armoede_inclusie",
                                    "veiligheid_ondermijning", "wonen", "gezondheid")} <= set(
        frame.columns)
    scored = frame.dropna(subset=["vulnerability"])  # areas without enough domains: unranked
    assert scored["rank"].tolist() == sorted(scored["rank"])
    assert scored["vulnerability"].is_monotonic_decreasing
    assert frame.loc[frame["vulnerability"].isna(), "rank"].isna().all()
    # Den Haag's Zuidwest and the old city wijken lead its ranking of 2020
    assert set(frame.head(6)["code"]) >= {"WK051836", "WK051834"}


def test_score_geojson_and_explain(demo_store, tmp_path):
    path = tmp_path / "scores.geojson"
    run("score", "--level", "wijk", "--period", "2024", "--within", "GM0518", "--format",
        "geojson", "--output", path, "--store", demo_store.directory)
    features = json.loads(path.read_text())["features"]
    assert len(features) > 30 and "vulnerability" in features[0]["properties"]
    text = run("explain", "WK051836", "--period", "2020", "--store", demo_store.directory)
    assert "Moerwijk" in text and "Moeite met rondkomen" in text
