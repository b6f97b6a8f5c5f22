"""The command-line tool, end to end on the bundled real data."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely.geometry
from typer.testing import CliRunner

from wijkkompas import cli
from wijkkompas.cli import app
from wijkkompas.cli.output import number
from wijkkompas.store import Store

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str) -> str:
    """What the command writes to standard output (notes and warnings go to standard error,
    so that ``wijkkompas score > scores.csv`` is a clean CSV)."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_demo_loads_everything_once(tmp_path):
    first = run("demo", "--no-serve", "--store", tmp_path / "s")
    assert "cbs-50090NED" in first and "1.369.939" in first  # Dutch thousands separator
    assert "plan den-haag-zuidwest: stored (public)" in first
    assert "http://127.0.0.1:8000/plannen/den-haag-zuidwest" in first
    from fastapi.testclient import TestClient

    from wijkkompas.web import create_app

    with TestClient(create_app(tmp_path / "s")) as client:  # public: no login needed
        page = client.get("/plannen/den-haag-zuidwest")
        assert page.status_code == 200 and "Zuidwest" in page.text
        assert "den-haag-zuidwest" in client.get("/plannen").text
        # the demo kept the plan's PDF report: the web app serves that very file
        kept = list((tmp_path / "s" / "reports").glob("den-haag-zuidwest-v1-*.pdf"))
        assert len(kept) == 1
        report = client.get("/plannen/den-haag-zuidwest/rapport.pdf")
        assert report.status_code == 200 and report.content == kept[0].read_bytes()
    progress = run("plan", "progress", "den-haag-zuidwest", "--store", tmp_path / "s")
    assert "tussendoelen" in progress
    # the housing goal counts dwellings: its targets without decimals
    assert "3.500" in progress and "3.500,00" not in progress
    again = run("demo", "--no-serve", "--store", tmp_path / "s")
    assert "0 figures added" in again
    assert "plan den-haag-zuidwest: already there, left as it is" in again


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


def test_show_profile_with_references(demo_store, monkeypatch):
    monkeypatch.setattr(cli.console, "width", 160)  # wide enough that no label wraps
    # Laakkwartier en Spoorwijk, Den Haag: difficulty making ends meet 2020 (CBS 50090NED)
    frame = pd.read_csv(io.StringIO(run("show", "WK051838", "--csv", "--store",
                                        demo_store.directory)))
    row = frame.set_index("indicator").loc["moeite_met_rondkomen"]
    assert (row["value"], row["gemeente_value"], row["country_value"]) == (29.0, 22.2, 13.9)
    assert str(row["period"]) == "2020"
    text = run("show", "WK051838", "--store", demo_store.directory)
    assert "Laakkwartier" in text and "29,0" in text and "Werk, armoede en inclusie" in text
    # an estimate (crime moved onto the 2022 wijken) is shown as its number, marked, with
    # its own indeling; a count without decimals
    crime = frame.set_index("indicator").loc["misdrijven_totaal"]
    assert crime["status"] == "estimated" and crime["vintage"] == 2022
    line = next(x for x in text.splitlines() if "Geregistreerde misdrijven " in x)
    cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
    assert cells[1:4] == [str(crime["period"]), "2022",
                          f"{crime['value']:,.0f}".replace(",", ".") + " est."]


def test_show_unknown_area(demo_store):
    result = runner.invoke(app, ["show", "Atlantis", "--store", str(demo_store.directory)])
    assert result.exit_code == 1 and "no area" in result.output


def test_export_csv_and_parquet_round_trip(demo_store, tmp_path):
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"out.{suffix}"
        run("export", path, "--level", "gemeente", "--indicator", "moeite_met_rondkomen",
            "--period", "2020", "--vintage", "2020", "--store", demo_store.directory)
        again = Store(tmp_path / f"again-{suffix}")
        run("ingest", path, "--store", again.directory)
        back = again.observations().set_index("area_code")
        original = demo_store.observations(level="gemeente", indicators=["moeite_met_rondkomen"],
                                           periods=["2020"], vintage=2020).set_index("area_code")
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
              "--scheme", "gezondheidsmonitor", "--store", demo_store.directory)
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
    assert (scored["composite_status"] == "scored").all()
    assert scored["indicator_years"].str.contains("moeite_met_rondkomen 2020").all()


def test_score_says_why_there_is_no_composite(demo_store):
    """The default five-domain yardstick has no national wijk score on the bundled data:
    the command says so in words (stderr), ranks nothing and names what is missing."""
    result = runner.invoke(app, ["score", "--level", "wijk", "--period", "2022",
                                 "--store", str(demo_store.directory)])
    assert result.exit_code == 0
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame["vulnerability"].isna().all() and frame["rank"].isna().all()
    assert (frame["composite_status"] == "missing_domains").all()
    assert frame["missing_domains"].str.contains("gezondheid").all()
    assert "No composite for the wijk areas in 2022" in result.stderr
    assert "gezondheid is missing" in result.stderr


def test_score_geojson_and_explain(demo_store, tmp_path):
    path = tmp_path / "scores.geojson"
    run("score", "--level", "gemeente", "--period", "2022", "--format", "geojson",
        "--output", path, "--store", demo_store.directory)
    features = json.loads(path.read_text())["features"]
    assert len(features) > 300 and "vulnerability" in features[0]["properties"]
    text = run("explain", "WK051836", "--period", "2020", "--scheme", "gezondheidsmonitor",
               "--store", demo_store.directory)
    assert "Moerwijk" in text and "Moeite met rondkomen" in text


# the columns explain --csv had before the whole table was printed: a contract, they stay
EXPLAIN_CSV_COLUMNS = ["code", "domain", "indicator", "perspective", "value", "status", "period",
                       "population", "standardised", "indicator_weight", "domain_weight",
                       "contribution", "group", "reference_method", "base_period", "mean", "sd",
                       "n", "weighted", "label"]


def test_explain_prints_the_whole_table(demo_store, monkeypatch):
    """Den Haag 2022 on the bundled data: the summary, then every indicator of the scheme
    with its own year (2020 survey figures within the tolerance, Kerncijfers 2022), a
    subtotal per domain and the composite; the CSV carries the same numbers, with the
    old columns kept."""
    monkeypatch.setattr(cli.console, "width", 160)  # wide enough that no label wraps
    args = ("explain", "GM0518", "--period", "2022", "--store", demo_store.directory)
    frame = pd.read_csv(io.StringIO(run(*args, "--csv")))
    assert list(frame.columns[:len(EXPLAIN_CSV_COLUMNS)]) == EXPLAIN_CSV_COLUMNS
    assert {"year", "reference", "domain_score", "domain_contribution",
            "vulnerability"} <= set(frame.columns)
    years = frame.set_index("indicator")["year"]
    assert years["opleiding_hoog_pct"] == 2022 and years["moeite_met_rondkomen"] == 2020
    assert (frame["year"].dropna() <= 2022).all()  # never a figure after the peiljaar
    # income per inhabitant is a 2024 figure: after the peiljaar, listed, not used
    assert frame.set_index("indicator").loc["inkomen_per_inwoner", "status"] == "missing"
    assert frame.set_index("indicator").loc["inkomen_per_inwoner", "reason"] == "no_figure"
    assert frame["reason"].notna().sum() == frame["standardised"].isna().sum()
    text = run(*args)
    assert text.index("Pushes the score up most") < text.index("contribution =")
    # a line without a standardised value says why, after the table
    assert "not counted: Gemiddeld inkomen per inwoner: no figure of 2020-2022" in text
    assert "Moeite met rondkomen" in text and "= Wonen" in text and "= vulnerability" in text
    domains = frame.groupby("domain")["contribution"].sum(min_count=1).dropna()
    assert len(domains) == 5  # the whole yardstick
    for subtotal in domains:
        assert number(subtotal, 3, sign=True) in text
    assert number(frame["vulnerability"].iloc[0], 3, sign=True) in text
    for value in frame["value"].dropna():
        assert number(value) in text


def test_areas_without_names(real_data, tmp_path, monkeypatch):
    """50090NED in the OData layout gives codes only (WijkenEnBuurten; Gemeentenaam_1 is
    the gemeente's name, not the area's): ingest warns and says how to add names;
    areas and show work and show the code. A file that names the same codes, in any
    vintage, gives them their names."""
    store = tmp_path / "s"
    health = (real_data / "nl-gezondheid-2012-2016-2020"
              / "gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz")
    codes = pd.read_csv(health, dtype=str)["WijkenEnBuurten"].nunique()
    loaded = runner.invoke(app, ["ingest", str(health), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    assert f"{health.name}: {codes} areas have no name" in loaded.stderr
    assert "boundary file" in loaded.stderr and "Kerncijfers" in loaded.stderr

    listed = runner.invoke(app, ["areas", "--limit", "0", "--store", str(store)])
    assert listed.exit_code == 0, listed.output
    assert "NL01" in listed.stdout and "WK051836" in listed.stdout
    assert f"{codes} areas" in listed.stdout
    assert f"{codes} of these areas have no name" in listed.stderr
    frame = pd.read_csv(io.StringIO(run("areas", "--csv", "--limit", "0", "--store", store)))
    assert len(frame) == codes and frame["name"].isna().all()

    monkeypatch.setattr(cli.console, "width", 160)  # wide enough that no label wraps
    shown = run("show", "WK051836", "--store", store)
    assert shown.startswith("WK051836 (wijk, indeling 2020); no name in the store")
    assert "Moeite met rondkomen" in shown
    assert run("show", "NL01", "--store", store).startswith("NL01 (land")

    # CBS's 2024 wijken name Utrecht's wijken, whose codes the 2020 indeling shares
    wijken = real_data / "nl-gemeenten-wijken-kwb" / "wijken_2024.geojson"
    run("ingest", wijken, "--store", store)
    again = runner.invoke(app, ["ingest", str(health), "--store", str(store)])
    assert again.exit_code == 0, again.output
    left = int(re.search(r"(\d+) areas have no name", again.stderr)[1])
    assert 0 < left < codes
    assert run("show", "WK034401", "--store", store).startswith("Wijk 01 West (WK034401, wijk")


@pytest.mark.parametrize("columns", [20, 80, 400])
def test_messages_never_wrap_inside_a_line(tmp_path, monkeypatch, columns: int):
    """A piped or logged message stays one line whatever the terminal width or the path's
    length, and text from the user (a file name with brackets) is not read as markup."""
    from wijkkompas import cli

    monkeypatch.setattr(cli.errors, "width", columns)  # the width a terminal would set
    folder = tmp_path / ("d" * 150) / "[bold]x"
    folder.mkdir(parents=True)
    bad = folder / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(bad), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert f"{bad}: unknown format" in lines[0] and lines[0].endswith("a wijkkompas export")



@pytest.mark.parametrize("args", [
    ["show", "Nergenshuizen"],                                # data
    ["explain", "Nergenshuizen"],                             # analysis
    ["warn", "--level", "provincie"],                         # change
    ["serve", "--workers", "0"],                              # serve
    ["plan", "export", "geen-plan", "uit.yaml", "--db", "{db}"],        # plans, sub-command
    ["user", "grant", "niemand", "geen-plan", "editor", "--db", "{db}"],  # users, sub-command
])
def test_every_family_refuses_through_the_one_boundary(demo_store, tmp_path, args):
    """A refused command of each family, sub-commands included, ends the same way through
    the root group's boundary: one ``error:`` line on standard error, exit 1, no
    traceback."""
    db = str(tmp_path / "plans.sqlite")
    result = runner.invoke(app, [a.format(db=db) for a in args]
                           + ["--store", str(demo_store.directory)])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert "error" not in result.stdout and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
