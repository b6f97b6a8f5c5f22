"""Monthly crime to whole years, and youth care totals only (tests/data/fetch/, see
tests/data/README.md).

47022NED (registered crime, police, on dataderden.cbs.nl) comes per month; the preset's
``months: sum`` adds up the twelve months of complete years before the ingest. The
youth care tables per wijk have one row per form of care; ``totals: true`` asks only the
total. Every request goes to an httpx.MockTransport replaying recorded answers; nothing
here reads ../shared or the network.
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from wijkkompas.errors import IngestError
from wijkkompas.sources import months, presets
from wijkkompas.sources.fetching import Runner
from wijkkompas.sources.retry import Retry
from wijkkompas.store import Store

FETCH = Path(__file__).parent / "data" / "fetch"
FOLDERS = {"47022NED": FETCH / "misdrijven2023", "83563NED": FETCH / "jeugdzorg2016"}
# the real 2023 totals of misdrijven_kwb2024_wijk_buurt.csv, split over the months
ARCHIPELBUURT_2023 = 266

PRESET = """
name: maanden
description: registered crime 2023 per month and youth care 2016 per wijk
years: "2016,2023"
tables:
  - name: misdrijven
    title: Geregistreerde misdrijven
    table: 47022NED
    base_url: https://dataderden.cbs.nl/ODataApi/OData
    each_year: true
    editions: [2023]
    filter: "SoortMisdrijf eq '0.0.0 ' and startswith(Perioden,'{year}')"
    months: sum
    vintage: 2024
    size_mb: 50
  - name: jeugdzorg
    title: Jongeren met jeugdzorg per wijk
    vintage: year
    levels: [gemeente, wijk]
    totals: true
    filter: "Perioden eq '{year}JJ00'"
    size_mb: 20
    ids: {2016: 83563NED}
"""


class Api:
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.urls: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.rstrip("/").split("/")
        table, endpoint = parts[-2], parts[-1]
        self.calls[(table, endpoint)] += 1
        self.urls.append(unquote(str(request.url)))
        folder = FOLDERS.get(table)
        if folder is None:
            return httpx.Response(404)
        if endpoint == "TypedDataSet" and not (folder / "TypedDataSet.json").is_file():
            endpoint += "_page2" if "$skip" in str(request.url) else "_page1"
        return httpx.Response(200, json=json.loads((folder / f"{endpoint}.json").read_text()))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))


@pytest.fixture
def plan(tmp_path, monkeypatch) -> list[presets.Item]:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "maanden.yaml").write_text(PRESET, encoding="utf-8")
    monkeypatch.setenv("WIJKKOMPAS_PRESETS", str(folder))
    return presets.plan(presets.load("maanden"))


def _runner(tmp_path: Path, api: Api) -> Runner:
    return Runner(tmp_path / "downloads", Store(tmp_path / "store"), cache_dir=tmp_path / "cache",
                  client=api.client(), retry=Retry(tries=1))


def _figures(store: Store, indicator: str, vintage: int) -> dict[tuple[str, str], tuple]:
    obs = store.observations(indicators=[indicator], vintage=vintage, with_names=False)
    return {(a, p): (v, s) for a, p, v, s in zip(obs["area_code"], obs["period"], obs["value"],
                                                  obs["status"], strict=True)}


def test_twelve_months_become_the_years_total_and_incomplete_years_no_figure(tmp_path, plan):
    api = Api()
    [crime] = [i for i in plan if i.name == "misdrijven"]
    [outcome] = _runner(tmp_path, api).run([crime])
    assert outcome.status == "fetched" and outcome.ingested, outcome.message
    assert api.calls[("47022NED", "TypedDataSet")] == 2  # both pages
    folder = tmp_path / "downloads" / "misdrijven/2023/47022NED"
    # the monthly file is kept beside the annual one, which is what was ingested
    assert (folder / "47022NED.csv").is_file() and outcome.path == folder / "47022NED.jaar.csv"
    with open(folder / "47022NED.csv", encoding="utf-8") as handle:
        monthly = [r for r in csv.DictReader(handle) if r["WijkenEnBuurten"] == "BU05180546"]
    assert len(monthly) == 12
    figures = _figures(Store(tmp_path / "store"), "misdrijven_totaal", 2024)
    # Archipelbuurt: all twelve months, the sum is the year's (real) total
    assert figures == {("BU05180546", "2023"): (ARCHIPELBUURT_2023, "observed")}
    assert sum(int(r["GeregistreerdeMisdrijven_1"]) for r in monthly) == ARCHIPELBUURT_2023
    # Arendsdorp (11 months) and Belgisch Park (July null) have no figure, and it is said
    assert outcome.message == ("2023: 12 months summed for 1 area; 2 areas without a figure "
                               "(fewer than 12 months with a figure: BU05180271, BU05180478)")
    meta = json.loads((folder / "47022NED.jaar.metadata.json").read_text("utf-8"))
    assert meta["months"]["incomplete"] == {"2023": 2} and meta["table"] == "47022NED"
    # the SoortMisdrijf column (one value, the total) is read as a constant, not skipped
    # as an unknown indicator
    assert outcome.report is not None
    assert not [s for f in outcome.report.files for s in f.skipped], [
        s.reason for f in outcome.report.files for s in f.skipped]


def test_a_suppressed_month_makes_the_year_suppressed(tmp_path, catalog):
    from wijkkompas.ingest import read_file

    monthly = tmp_path / "47022NED.csv"
    rows = [["ID", "SoortMisdrijf", "WijkenEnBuurten", "Perioden", "GeregistreerdeMisdrijven_1"]]
    for code, cell in (("BU05180546", "20"), ("BU05180271", "30")):
        for m in range(1, 13):
            value = "." if code == "BU05180271" and m == 3 else ("-" if m == 5 else cell)
            rows.append([str(len(rows)), "0.0.0 ", code, f"2023MM{m:02d}", value])
    # Arendsdorp: eleven months only, one of them suppressed: suppressed as well
    rows += [[str(len(rows) + m), "0.0.0 ", "BU05180478", f"2023MM{m:02d}",
              "." if m == 1 else "4"] for m in range(1, 12)]
    with open(monthly, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (tmp_path / "47022NED.metadata.json").write_text(json.dumps({
        "table": "47022NED", "vintage": 2024, "dimensions": {
            "SoortMisdrijf": {"type": "Dimension", "values": {"0.0.0": "Totaal misdrijven"}},
            "WijkenEnBuurten": {"type": "GeoDimension", "values": {}},
            "Perioden": {"type": "TimeDimension", "values": {}}}}), encoding="utf-8")
    annual, summary = months.to_years(monthly)
    assert summary.summed == {2023: 1} and summary.suppressed == {2023: 2}
    [result] = read_file(annual, catalog)
    obs = result.observations.set_index("area_code")
    assert obs.loc["BU05180546", "value"] == 20 * 11  # May is "-" (nil): 0
    assert obs.loc["BU05180546", "period"] == "2023"
    assert obs.loc["BU05180271", "status"] == "suppressed"
    assert obs.loc["BU05180478", "status"] == "suppressed"
    assert "suppressed" in summary.sentence()


def test_months_refuses_a_table_without_periods(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("WijkenEnBuurten,Aantal_1\nBU05180546,3\n", encoding="utf-8")
    with pytest.raises(IngestError, match="needs a Perioden column"):
        months.to_years(path)


def test_youth_care_asks_the_total_only(tmp_path, plan):
    api = Api()
    [youth] = [i for i in plan if i.name == "jeugdzorg"]
    [outcome] = _runner(tmp_path, api).run([youth])
    assert outcome.status == "fetched" and outcome.ingested, outcome.message
    assert outcome.report is not None
    # the one form (TypeJeugdzorg), Codering_3 and the names are read silently
    assert not [s for f in outcome.report.files for s in f.skipped], [
        (s.column, s.reason) for f in outcome.report.files for s in f.skipped]
    [data_url] = [u for u in api.urls if "/TypedDataSet" in u]
    assert "$filter=(Perioden eq '2016JJ00') and TypeJeugdzorg eq 'T001203'" in data_url
    meta = json.loads(outcome.path.with_name("83563NED.metadata.json").read_text("utf-8"))
    assert meta["totals"] == {"TypeJeugdzorg": {"key": "T001203", "title": "Totaal jeugdzorg"}}
    figures = _figures(Store(tmp_path / "store"), "jeugdzorg_jongeren", 2016)
    # the real Kerncijfers 2019 counts of Amsterdam and four wijken (see the README)
    assert figures == {("GM0363", "2016"): (20735, "observed"),
                       ("WK036300", "2016"): (30, "observed"),
                       ("WK036301", "2016"): (35, "observed"),
                       ("WK036302", "2016"): (40, "observed"),
                       ("WK036303", "2016"): (50, "observed")}


def test_several_forms_of_care_are_refused_in_words(tmp_path, catalog):
    from wijkkompas.ingest import read_file
    from wijkkompas.sources.odata import write_table

    rows = [{"ID": i, "TypeJeugdzorg": form, "Wijken": "WK036300  ", "Perioden": "2016JJ00",
             "Codering_3": "WK036300  ", "TotaalJongerenMetJeugdzorg_5": n}
            for i, (form, n) in enumerate((("T001203", 30), ("A042502", 28)))]
    path = write_table(tmp_path, "83563NED", rows, {"table": "83563NED", "vintage": 2016,
                                                     "dimensions": {}})
    with pytest.raises(IngestError) as caught:
        read_file(path, catalog)
    message = str(caught.value)
    assert "dimension TypeJeugdzorg has 2 values" in message and "totals: true" in message


def test_no_total_is_one_clear_line(tmp_path):
    from wijkkompas.sources.odata import ODataError, total_key

    assert total_key("X", "SoortMisdrijf", [("1.1.1 ", "Diefstal"), ("0.0.0 ", "Totaal "
                                             "misdrijven")]) == ("0.0.0 ", "Totaal misdrijven")
    with pytest.raises(ODataError, match="no total among the values of dimension Vorm"):
        total_key("85075NED", "Vorm", [("A1", "Jeugdhulp"), ("A2", "Jeugdbescherming")])


def test_second_run_is_unchanged_and_ingests_nothing_again(tmp_path, plan):
    api = Api()
    first = _runner(tmp_path, api).run(plan)
    assert [o.status for o in first] == ["fetched", "fetched"], [o.message for o in first]
    calls = Counter(api.calls)
    again = _runner(tmp_path, api).run(plan)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert not any(o.ingested for o in again)  # the same annual file is in the store
    assert api.calls - calls == Counter({("47022NED", "TableInfos"): 1,
                                         ("83563NED", "TableInfos"): 1})
    # the message still says what the annual file holds
    assert again[0].message == first[0].message
    assert _figures(Store(tmp_path / "store"), "misdrijven_totaal", 2024) == {
        ("BU05180546", "2023"): (ARCHIPELBUURT_2023, "observed")}


def test_the_fetch_command_says_which_areas_have_no_whole_year(tmp_path, plan, monkeypatch):
    import respx
    from typer.testing import CliRunner

    from wijkkompas.cli import app

    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))
    api = Api()
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(side_effect=api.handle)
        result = CliRunner().invoke(app, ["fetch", "--preset", "maanden", "--years", "2023",
                                          "--store", str(tmp_path / "store"), "--dest",
                                          str(tmp_path / "d")], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "fetched: 47022NED misdrijven 2023, ingested (1 figures added or replaced); 2023: " \
           "12 months summed for 1 area; 2 areas without a figure" in out
