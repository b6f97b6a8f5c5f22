"""The score panel compares like with like (``change/panel.py``): a domain score or a
composite is compared across periods only on the same indicators, and never where it
rests on the same figures as the area's previous period (the period tolerance lets the
Kerncijfers 2022 stand in for 2024)."""
from __future__ import annotations

import pandas as pd
import pytest

from wijkkompas.change.panel import one_yardstick, same_figures, score_panel
from wijkkompas.change.trends import score_trends
from wijkkompas.schemes import load_scheme


@pytest.fixture(scope="module")
def scheme(catalog):
    return load_scheme(None, catalog)


@pytest.fixture(scope="module")
def wijk_panel(demo_store, catalog, scheme):
    return score_panel(demo_store, catalog, scheme, level="wijk")


def _figures(text: str, ids) -> tuple:
    pairs = dict(part.strip().rsplit(" ", 1) for part in text.split(";") if part.strip())
    return tuple(sorted((i, pairs[i]) for i in ids if i in pairs))


def test_no_domain_score_is_compared_with_one_on_the_same_figures(wijk_panel, scheme):
    """The bundled wijken of 2022 (no composite in any period): the 2024 education,
    work and housing scores are the Kerncijfers 2022 again, so they are left out with a
    note; safety has its own crime figures in 2021, 2022 and 2024 and stays. For every
    area, two periods kept in a domain never rest on the same figures."""
    table = wijk_panel.table
    counts = table.groupby("period")[[f"domain_{d}" for d in scheme.yardstick]].count()
    assert counts.loc["2022", "domain_opgroeien_onderwijs"] > 3000
    assert counts.loc["2024", "domain_opgroeien_onderwijs"] == 0
    assert counts.loc["2024", "domain_wonen"] == 0
    assert (counts.loc[["2021", "2022", "2024"], "domain_veiligheid_ondermijning"] > 2000).all()
    notes = [n for n in wijk_panel.notes if n.startswith("2024: domain opgroeien_onderwijs")]
    assert len(notes) == 1 and "the same figures as the area's previous period" in notes[0]
    measures = {p: dict(m) for p, m in
                ((p, r.measure) for p, r in wijk_panel.results.items())}
    assert measures  # every period scored
    for domain in scheme.yardstick:
        ids = scheme.domains[domain].indicators
        kept = table[table[f"domain_{domain}"].notna()]
        keys = kept.assign(key=[_figures(t, ids) for t in kept["indicator_years"]])
        assert not keys.duplicated(["code", "key"]).any(), domain


def test_trends_of_domain_scores_see_no_change_that_was_not_observed(demo_store, catalog,
                                                                     scheme, wijk_panel):
    """Before, every wijk had a 'change' of exactly 0 in education between 2022 and 2024
    (the same 2022 figure twice); now the 2024 period is not there to compare with."""
    trends = score_trends(demo_store, catalog, scheme, level="wijk").table
    education = trends[trends["indicator"] == "domain_opgroeien_onderwijs"]
    assert len(education) > 3000
    assert (education["n_periods"] == 1).all()
    safety = trends[trends["indicator"] == "domain_veiligheid_ondermijning"]
    assert (safety["n_periods"] >= 2).sum() > 2000


def _table(rows):
    return pd.DataFrame(rows, columns=["code", "period", "indicator_years", "domain_a",
                                       "vulnerability", "class", "rank"])


def test_same_figures_leaves_out_repeats_and_compares_with_the_last_kept(catalog):
    """A small panel: X repeats its 2020 figures in 2022 (left out, composite and its
    rank and class too), has a newer figure in 2024 (kept: compared with 2020's);
    Y's second period has a newer figure (kept)."""
    from types import SimpleNamespace

    scheme = SimpleNamespace(yardstick=["a"])
    entered = {p: (("a", ("f", "g")),) for p in ("2020", "2022", "2024")}
    table = _table([
        ("X", "2020", "f 2020; g 2019", 1.0, 1.0, 9, 1),
        ("X", "2022", "f 2020; g 2019", 1.1, 1.1, 9, 1),
        ("X", "2024", "f 2024; g 2019", 0.5, 0.5, 7, 3),
        ("Y", "2020", "f 2020; g 2020", 0.2, 0.2, 5, 4),
        ("Y", "2022", "f 2022; g 2020; h 2022", 0.3, 0.3, 5, 4),
    ])
    notes = same_figures(table, scheme, entered)
    x = table[table["code"] == "X"].set_index("period")
    assert x["domain_a"].isna().tolist() == [False, True, False]
    assert x.loc["2022", ["vulnerability", "class", "rank"]].isna().all()
    assert x.loc["2024", "vulnerability"] == 0.5
    assert table[table["code"] == "Y"]["domain_a"].notna().all()
    assert notes == [
        "2022: domain a of 1 area(s) not compared: it rests on the same figures as the "
        "area's previous period (no newer figure within the period tolerance)",
        "2022: composite of 1 area(s) not compared: it rests on the same figures as the "
        "area's previous period (no newer figure within the period tolerance)"]
    # without coverage counts nothing is known of what entered: nothing is left out
    again = _table([("X", "2020", "f 2020", 1.0, None, None, None),
                    ("X", "2022", "f 2020", 1.0, None, None, None)])
    assert same_figures(again, scheme, {"2020": None, "2022": None}) == []
    assert again["domain_a"].notna().all()


def test_without_composites_a_domain_on_other_indicators_is_not_compared():
    """No period has composites: the domain scores of a period whose domain rests on
    other indicators than the latest period's are left out, with a note; a period
    without any score of that domain gets no note."""
    table = _table([("X", "2020", "f 2020", 1.0, None, None, None),
                    ("X", "2022", "f 2022; g 2022", 0.4, None, None, None),
                    ("X", "2024", "f 2024; g 2024", 0.3, None, None, None),
                    ("X", "2018", "", None, None, None, None)])
    entered = {"2018": (("a", ()),), "2020": (("a", ("f",)),),
               "2022": (("a", ("f", "g")),), "2024": (("a", ("f", "g")),)}
    statements = {p: "no composite" for p in entered}
    notes = one_yardstick(table, {p: (("a", ()),) for p in entered}, statements, entered)
    assert table.set_index("period")["domain_a"].notna().to_dict() == {
        "2020": False, "2022": True, "2024": True, "2018": False}
    assert "2020: domain a not compared: its indicators (f) differ from 2024's (f, g)" in notes
    assert not any(n.startswith("2018: domain") for n in notes)
