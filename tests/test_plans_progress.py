"""Progress, evaluation and reports of plans: formulas on small plans with their own
data, and the worked Den Haag Zuidwest example on the real Haaglanden panel."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from wijkkompas.plans import Plan, evaluate, example_path, load_plan, plan_summary, progress


def own_plan(catalog, data, target, milestones=(), ref=None):
    rows = [{"period": str(y), "value": v} for y, v in data.items()]
    rows += [{"period": str(y), "value": v, "area": "gemeente"} for y, v in (ref or {}).items()]
    return Plan.from_dict({
        "id": "t", "title": "t", "area": {"name": "Moerwijk", "vintage": 2022,
                                          "codes": ["WK051836"]},
        "horizon": {"start": 2015, "end": 2030},
        "indicators": [{"id": "eigen", "label": "Eigen", "unit": "%",
                        "direction": "higher_is_worse", "data": rows}],
        "goals": [{"id": "g", "pillar": "sociale_basis", "title": "g", "indicator": "eigen",
                   "baseline": {"period": "2015"}, "target": target,
                   "milestones": list(milestones)}]}, catalog=catalog)


def test_linear_path_statuses(catalog, demo_store):
    plan = own_plan(catalog, {2015: 10, 2018: 9, 2020: 8},
                    {"year": 2030, "value": 5},
                    [{"year": 2018, "value": 9.5}, {"year": 2020, "value": 7.5},
                     {"year": 2025, "way": 50}])
    result = progress(plan, demo_store, catalog)
    g = result.goals[0]
    assert g.baseline_value == 10
    # 2020: a third of the time, 2/5 of the way: within the 10% band -> on track
    assert g.end.status == "op_koers"
    assert g.end.share_of_way == pytest.approx(0.4)
    assert g.end.expected_value == pytest.approx(10 - 5 * 5 / 15)
    m2018, m2020, m2025 = g.milestones
    assert (m2018.status, m2020.status) == ("gehaald", "niet_gehaald")
    assert m2025.target_value == pytest.approx(7.5) and not m2025.due
    assert result.headline() == "1 van 2 tussendoelen gehaald (1 nog niet aan de beurt)"
    assert result.headline_short() == "1 van 2 tussendoelen gehaald"


def test_ahead_behind_and_relative_targets(catalog, demo_store):
    ahead = progress(own_plan(catalog, {2015: 10, 2020: 6}, {"year": 2030, "change_pct": -20}),
                     demo_store, catalog).goals[0]
    assert ahead.end.target_value == pytest.approx(8) and ahead.end.status == "voor"
    behind = progress(own_plan(catalog, {2015: 10, 2020: 10.5},
                               {"year": 2030, "change_pct": -20}), demo_store, catalog).goals[0]
    assert behind.end.status == "achter"


def test_close_the_gap_to_a_reference(catalog, demo_store):
    plan = own_plan(catalog, {2015: 12, 2020: 10}, {"year": 2030, "close_gap": 50,
                                                    "reference": "gemeente"},
                    ref={2015: 8, 2020: 7})
    g = progress(plan, demo_store, catalog).goals[0]
    # half of the 2015 gap (12 - 8) closed: 12 - 2 = 10
    assert g.end.target_value == pytest.approx(10)


def test_not_measurable_without_later_data(catalog, demo_store):
    g = progress(own_plan(catalog, {2015: 10}, {"year": 2030, "value": 5},
                          [{"year": 2020, "value": 8}]), demo_store, catalog).goals[0]
    assert g.end.status == "niet_meetbaar" and "na de nulmeting" in g.end.reason
    assert g.milestones[0].status == "niet_meetbaar"


@pytest.fixture(scope="module")
def example(catalog):
    return load_plan(example_path(), catalog=catalog)


@pytest.fixture(scope="module")
def example_progress(example, demo_store, catalog):
    return progress(example, demo_store, catalog)


def test_example_baseline_is_population_weighted_and_counts_zuiderpark_once(
        example, example_progress, demo_store):
    obs = demo_store.observations(codes=["WK051833", "WK051834", "WK051836"],
                                  indicators=["bijstand_pct", "inwoners"], vintage=2022,
                                  periods=["2015"]).pivot_table(index="area_code",
                                                                columns="indicator",
                                                                values="value")
    expected = np.average(obs["bijstand_pct"], weights=obs["inwoners"])
    g = next(g for g in example_progress.goals if g.goal.id == "bijstand")
    assert g.baseline_value == pytest.approx(expected)
    assert g.series.codes == ["WK051833", "WK051834", "WK051836"]
    assert any("WK051835" in n and "één keer" in n for n in g.notes)


def test_example_progress_on_real_figures(example_progress):
    assert example_progress.as_of == 2022
    counts = example_progress.counts()
    assert counts["milestones"] == 26
    assert counts["milestones_met"] + counts["milestones_missed"] + \
        counts["milestones_not_measurable"] + counts["milestones_pending"] == 26
    by_id = {g.goal.id: g for g in example_progress.goals}
    # problem debt (WSNP) fell far faster than planned: every milestone met
    assert all(m.status == "gehaald" for m in by_id["schulden"].milestones)
    # the detention register stops after 2017: later milestones are not measurable
    assert all(m.status == "niet_meetbaar" for m in by_id["detentie"].milestones)
    assert by_id["woningen"].end.status == "niet_meetbaar"
    assert example_progress.headline().startswith(
        f"{counts['milestones_met']} van {counts['milestones_met'] + counts['milestones_missed']}"
        " tussendoelen gehaald")


def test_plan_summary_is_json_ready(example, demo_store, catalog):
    import json

    summary = plan_summary(example, demo_store, catalog)
    text = json.dumps(summary, default=str)
    assert "tussendoelen gehaald" in summary["headline"]
    assert summary["area"]["codes"] == example.area.codes
    assert {p["id"] for p in summary["pillars"]} == {p.id for p in example.pillars}
    assert summary["budget_total"] > 0 and "method" in text


def test_figures_serve_every_version_with_the_same_figures_key(example, demo_store, catalog):
    from dataclasses import replace

    from wijkkompas.plans.figures import PlanFigures, figures_key

    figures = PlanFigures(example, demo_store, catalog)
    plan_summary(example, demo_store, catalog, figures)
    # a new title and measure text leave the figures as they are: the same key, and the
    # summary from the figures read for the old version equals one read afresh
    edited = replace(example, title="Nieuwe titel", measures=[
        replace(example.measures[0], description="anders"), *example.measures[1:]])
    assert figures_key(edited) == figures_key(example)
    assert plan_summary(edited, demo_store, catalog, figures) == plan_summary(
        edited, demo_store, catalog)
    # another area or another indicator of a goal: other figures
    other_area = replace(example, area=replace(example.area, codes=example.area.codes[:1]))
    other_goal = replace(example, goals=[replace(example.goals[0], indicator="inwoners"),
                                         *example.goals[1:]])
    assert len({figures_key(p) for p in (example, other_area, other_goal)}) == 3


def test_a_goals_progress_is_shared_by_the_versions_that_leave_it_as_written(
        example, demo_store, catalog):
    """PlanFigures.derived: a version with the same goals reuses each goal's progress; a
    goal written otherwise (another end target) is judged again, as read afresh."""
    from dataclasses import replace

    from wijkkompas.plans import progress
    from wijkkompas.plans.figures import PlanFigures

    figures = PlanFigures(example, demo_store, catalog)
    first = progress(example, demo_store, catalog, figures)
    edited = replace(example, title="Nieuwe titel", measures=[
        replace(example.measures[0], description="anders"), *example.measures[1:]])
    again = progress(edited, demo_store, catalog, figures)
    assert all(a is b for a, b in zip(first.goals, again.goals, strict=True))
    assert again.to_dict()["title"] == "Nieuwe titel"
    goal = example.goals[0]
    moved = replace(goal, target=replace(goal.target, amount=goal.target.amount + 1))
    other = replace(example, goals=[moved, *example.goals[1:]])
    judged = progress(other, demo_store, catalog, figures)
    assert judged.goals[0] is not first.goals[0] and judged.goals[1] is first.goals[1]
    assert judged.goals[0].end.target_value != first.goals[0].end.target_value
    assert judged.to_dict() == progress(other, demo_store, catalog).to_dict()


def test_evaluation_difference_in_differences(example, demo_store, catalog):
    ev = evaluate(example, demo_store, catalog)
    assert len(ev.peers) == 10
    assert not set(ev.peers) & set(example.area.codes)
    assert "Indicatie" in ev.caveat
    e = next(e for e in ev.effects if e.goal_id == "bijstand")
    wide = demo_store.observations(codes=ev.peers, indicators=["bijstand_pct"], vintage=2022) \
        .pivot_table(index="year", columns="area_code", values="value")
    peer_change = (wide.loc[e.post_year] - wide.loc[e.pre_year]).mean()
    assert e.peer_change == pytest.approx(peer_change)
    assert e.did == pytest.approx(e.plan_change - peer_change)
    assert e.low < e.did < e.high
    assert e.bootstrap_low <= e.bootstrap_high
    assert e.verdict in ("gunstiger dan vergelijkbare gebieden",
                         "ongunstiger dan vergelijkbare gebieden", "geen duidelijk verschil")
    own = next(e for e in ev.effects if e.goal_id == "woningen")
    assert own.did is None and "eigen indicator" in own.reason


def test_charts_are_vega_lite_specs(example_progress):
    from wijkkompas import charts

    goal = example_progress.goals[0].to_dict()
    spec = charts.goal_chart(goal).to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    svg = charts.to_svg(charts.goal_chart(goal))
    assert svg.lstrip().startswith("<svg") and "gemeente (GM0518)" in svg


def test_plan_report_html_and_pdf(example, demo_store, catalog, tmp_path):
    from wijkkompas.reports import render_plan_report, write_report

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        html = render_plan_report(example, demo_store, catalog)
    assert "tussendoelen gehaald" in html and "<svg" in html
    assert "Indicatie, geen bewijs" in html and "Moerwijk" in html
    assert "Sociale herovering" in html and "Maatregelen en budget" in html
    pdf = write_report(html, tmp_path / "plan.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000


def test_area_report(demo_store, catalog, tmp_path):
    from wijkkompas.reports import render_area_report, write_report

    html = render_area_report(demo_store, catalog, "WK051836")
    assert "Moerwijk" in html and "<svg" in html and "gemeente" in html
    write_report(html, tmp_path / "area.html")
    assert (tmp_path / "area.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_map_uses_nearest_vintage_and_says_so(demo_store):
    from wijkkompas.reports import area_map_svg

    # no wijk boundaries of 2020: the nearest, 2022's, and the caption says so
    svg, caption = area_map_svg(demo_store, ["WK051836", "WK051834"], vintage=2020)
    assert svg.startswith("<svg") and "Moerwijk" in svg
    assert "indeling 2022" in caption and "2020" in caption


def test_cli_plan_commands(demo_store, tmp_path, monkeypatch):
    from wijkkompas.cli import app

    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(tmp_path / "plans.sqlite"))
    runner = CliRunner()
    store = ["--store", str(demo_store.directory)]
    ok = runner.invoke(app, ["plan", "create", str(example_path()), *store, "--author", "t"])
    assert ok.exit_code == 0, ok.output
    assert "version 1" in ok.output
    again = runner.invoke(app, ["plan", "create", str(example_path()), *store])
    assert again.exit_code == 1
    out = tmp_path / "zw.yaml"
    assert runner.invoke(app, ["plan", "export", "den-haag-zuidwest", str(out), *store]).exit_code == 0
    assert "version: 1" in out.read_text("utf-8")
    out.write_text(out.read_text("utf-8").replace("title: Integrale", "title: Bewerkt:", 1)
                   .replace("title: Bewerkt:", "title: Bewerkte", 1), "utf-8")
    assert "version 2" in runner.invoke(app, ["plan", "import", str(out), *store]).output
    stale = runner.invoke(app, ["plan", "import", str(out), *store])
    assert stale.exit_code == 1 and "version" in stale.output
    shown = runner.invoke(app, ["plan", "show", "den-haag-zuidwest", *store])
    assert "version 2" in shown.output and "Sociale basis" in shown.output
    prog = runner.invoke(app, ["plan", "progress", "den-haag-zuidwest", *store, "--json"])
    assert prog.exit_code == 0 and '"headline"' in prog.output
    html = tmp_path / "r.html"
    rep = runner.invoke(app, ["plan", "report", "den-haag-zuidwest", str(html), *store,
                              "--no-evaluation"])
    assert rep.exit_code == 0, rep.output
    assert "tussendoelen gehaald" in html.read_text("utf-8")
