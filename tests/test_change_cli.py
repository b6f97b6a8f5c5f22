"""The change commands: thin wrappers, output formats and pictures."""
import io
import json

import pandas as pd
from typer.testing import CliRunner

from wijkkompas.cli import app

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


# the health monitor panel: the one national series on one yardstick over time
HEALTH = ("--scheme", "gezondheidsmonitor")


def test_transitions_cli_with_heatmap(demo_store, tmp_path):
    png = tmp_path / "heat.png"
    out = _run("transitions", *HEALTH, "--store",
               str(demo_store.directory), "--level", "wijk",
               "--table", "mobility", "--plot", str(png))
    frame = pd.read_csv(io.StringIO(out.stdout))
    assert 0 < frame["shorrocks"].iloc[0] < 1
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_no_transitions_is_said_in_words(demo_store):
    """The default scheme's wijken have no composite in any period: a message, exit 1."""
    result = runner.invoke(app, ["transitions", "--store", str(demo_store.directory),
                                 "--level", "wijk"])
    assert result.exit_code == 1
    assert "no transitions: composites on one yardstick exist in none of the periods " \
        "2012, 2016, 2020, 2021, 2022, 2024 at level wijk" in " ".join(result.stderr.split())


def test_trends_cli_quality_json(demo_store):
    from test_change_trends import panel_indicators

    ids = [part for i in panel_indicators(demo_store) for part in ("--indicator", i)]
    out = _run("trends", "--store", str(demo_store.directory), "--level", "wijk",
               "--vintage", "2022", *ids, "--quality", "--format", "json")
    rows = json.loads(out.stdout)
    assert any(r["issue"] == "identical_areas" and "WK051836" in r["detail"] for r in rows)


def test_warn_and_peers_cli(demo_store, tmp_path):
    out = _run("warn", *HEALTH, "--store",
               str(demo_store.directory), "--level", "wijk", "--top", "5",
               "--language", "en", "--output", str(tmp_path / "w.parquet"), "--format",
               "parquet")
    frame = pd.read_parquet(tmp_path / "w.parquet")
    assert len(frame) == 5 and "reasons_en" in frame and "reasons_nl" not in frame
    svg = tmp_path / "peers.svg"
    out = _run("peers", "WK051836", *HEALTH, "--store",
               str(demo_store.directory), "--k", "4",
               "--plot", str(svg))
    assert len(pd.read_csv(io.StringIO(out.stdout))) == 4
    assert b"<svg" in svg.read_bytes()[:500]
    out = _run("peers", "WK051836", *HEALTH, "--store",
               str(demo_store.directory), "--decomposition")
    assert "contribution_from" in out.stdout


def test_harmonise_cli_with_amsterdam_crosswalk(demo_store, real_data, tmp_path):
    # the real crosswalk, stadsdeel Centrum (tests/data/real)
    table = pd.read_csv(real_data / "amsterdam-buurten-kwb" / "buurten.csv",
                        usecols=["BUURTCODE_CBS_2015", "BUURTCODE_CBS_2022"])
    path = tmp_path / "cw.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "h.csv"
    _run("harmonise", "--store", str(demo_store.directory), "--level", "buurt", "--from",
         "2020", "--to", "2022", "--crosswalk", str(path), "--from-col",
         "BUURTCODE_CBS_2015", "--to-col", "BUURTCODE_CBS_2022", "--indicator",
         "moeite_met_rondkomen", "--max-missing", "0", "--output", str(out))
    frame = pd.read_csv(out)
    assert set(frame["vintage"]) == {2022} and frame["area_code"].str.startswith("BU0363").all()
    assert set(frame["area_code"]) <= set(table["BUURTCODE_CBS_2022"])
    assert "BU0363AE01" in set(frame["area_code"])  # Kop Zeedijk, BU03630000 before 2022
    assert set(frame["indicator"]) == {"moeite_met_rondkomen"}
