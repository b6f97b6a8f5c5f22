"""The harmonised companions of the KWB 2022 bundle: figures of other boundary vintages
converted onto the 2022 wijken and gemeenten, for scoring peiljaar 2022 on the 2022
indeling. Called by ``scripts/bundle_data.py`` after it has written the bundled
observations; reads only bundled files (``src/wijkkompas/data/observations/`` and
``.../boundaries/``) plus the gemeente names of the 50090NED source file, and writes
``harmonised-2024-2022.parquet`` and ``harmonised-2020-2022.parquet`` next to them.

Run alone (after the bundle exists): ``python scripts/harmonised_companions.py``.

2024 -> 2022 (``harmonised-2024-2022``)
---------------------------------------
Registered crime ``misdrijven_totaal`` 2021-2025 and self-rated health
``ervaren_gezondheid_goed`` 2022 and 2024 of ``woonikveilig-misdrijven-kwb2024`` (per
buurt, 2024 indeling):

1. the 2024 wijk and gemeente figure, by the scoring engine's aggregation rule
   (``analysis/scores.py``, ``_aggregate``): a published figure of that area where the
   file has one; otherwise computed from its buurten (the hierarchy of the codes,
   ``geo/codes.py``), only where *every* buurt with residents (inwoners 2024 > 0, or
   unknown) has a usable figure: counts summed, shares weighted by inwoners 2024 (a buurt
   with a share but without inwoners blocks its parent, as a weight is needed);
2. the area overlay of the bundled ``wijk_2024`` / ``gemeente_2024`` boundaries onto
   ``wijk_2022`` / ``gemeente_2022`` (:func:`crosswalk_from_boundaries`,
   :func:`harmonise`, with every rule of its module docstring: slivers under 1 % dropped,
   "Groot water" wijken without a figure never block, sources without a figure may cover
   at most 5 % of a target). Every figure is ``estimated`` (or ``suppressed``).

2020 -> 2022 (``harmonised-2020-2022``)
---------------------------------------
All figures of ``cbs-50090NED`` (health 2012, 2016, 2020, 2020 indeling) of wijken and
gemeenten, carried over by a code-identity table crosswalk (:func:`crosswalk_from_table`,
weight 1, ``keep_exact=False`` so every figure is ``estimated``: the 2020 boundaries were
never compared). A 2020 code is linked to the same 2022 code only when

- gemeente: the code exists in both vintages, the 2020 name (``Gemeentenaam_1`` of the
  50090NED file) and the 2022 name agree after :func:`normalise_name` (case, accents,
  whitespace, punctuation), and the territory did not change: the area of the 2022
  boundary is within :data:`MAX_AREA_CHANGE` of the bundled 2019 boundary (2019 and 2020
  have the same 355 gemeenten; there were no mergers on 1 January 2020). This leaves
  out the gemeenten that took over land in 2021/2022 (Purmerend with Beemster; Vught,
  Oisterwijk, Tilburg, Boxtel with parts of Haaren) and, falsely, three Wadden islands
  whose generalised coastlines differ between the two boundary files;
- wijk: the code exists in both vintages, its gemeente's 2020 name equals the 2022 name,
  and its name agrees with the name the same code had in 2016 (50090NED publishes no
  wijk names; ``wijk_2016`` is the latest earlier vintage with names; CBS's old prefix
  ``Wijk 12`` is dropped before comparing), and the 2022 area is within
  :data:`MAX_AREA_CHANGE` of the 2016 area. The assumption: a wijk whose code, name and
  extent were the same in 2016 and in 2022 was that wijk in 2020 too. Renumbered wijken
  (Almere, Amersfoort, Alphen-Chaam reuse old codes for other wijken) fail the check.

Wijken and gemeenten with new codes (the mergers Eemsdelta 2021, Land van Cuijk,
Maashorst, Dijk en Waard 2022, and their wijken) get no converted figure.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wijkkompas.catalog import load_catalog  # noqa: E402
from wijkkompas.change.harmonise import (  # noqa: E402
    crosswalk_from_boundaries,
    crosswalk_from_table,
    harmonise,
)
from wijkkompas.geo.codes import gemeente_of, wijk_of  # noqa: E402
from wijkkompas.sources import longtable  # noqa: E402
from wijkkompas.sources.base import OBS_COLUMNS, SourceInfo  # noqa: E402

DATA = ROOT / "src" / "wijkkompas" / "data"
OBS = DATA / "observations"
BOUNDS = DATA / "boundaries"
HEALTH_FILE = "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"
CRIME = "woonikveilig-misdrijven-kwb2024"
TARGETS_2024 = {"misdrijven_totaal": ["2021", "2022", "2023", "2024", "2025"],
                "ervaren_gezondheid_goed": ["2022", "2024"]}
MAX_AREA_CHANGE = 0.05  # relative change of a boundary's area still taken as unchanged
USABLE = ("observed", "estimated")
LICENCE = "CC BY 4.0 (derived from CC BY 4.0 data)"


def normalise_name(name: object) -> str:
    """Names compared without case, accents, whitespace, punctuation and CBS's old
    ``Wijk 12`` prefix (``'Wijk 10 Binnenstad'`` == ``'Binnenstad'``)."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"^\s*wijk\s+\d+\s+", "", text.lower())
    return re.sub(r"[^0-9a-z]+", "", text)


# --------------------------------------------------------------------------- 2024 -> 2022

def aggregate_2024(obs: pd.DataFrame, catalog) -> pd.DataFrame:
    """The 2024 wijk and gemeente figures of the targets (module docstring, step 1)."""
    buurt = obs[obs["area_code"].str.startswith("BU")]
    pop = buurt[(buurt["indicator"] == "inwoners") & buurt["status"].isin(USABLE)]
    pop = pop.set_index("area_code")["value"]
    frames = []
    for indicator, periods in TARGETS_2024.items():
        kind = catalog[indicator].kind
        for period in periods:
            part = obs[(obs["indicator"] == indicator) & (obs["period"] == period)]
            kids = part[part["area_code"].str.startswith("BU")].set_index("area_code")
            codes = pd.Index(sorted(set(buurt["area_code"])))
            value = kids["value"].reindex(codes)
            ok = kids["status"].reindex(codes).isin(USABLE) & value.notna()
            p = pop.reindex(codes)
            needed = ~(p <= 0)
            gap = needed & ~ok
            if kind == "count":
                x, w = value.where(ok, 0.0), pd.Series(0.0, index=codes)
            else:
                w = p.where(ok & (p > 0), 0.0)
                x = value.where(ok, 0.0) * w
                gap = gap | (ok & p.isna())
            for level, parent_of in (("wijk", wijk_of), ("gemeente", gemeente_of)):
                parent = pd.Series([parent_of(c) for c in codes], index=codes)
                g = pd.DataFrame({"x": x, "w": w, "gap": gap, "ok": ok, "parent": parent}
                                 ).groupby("parent").agg(x=("x", "sum"), w=("w", "sum"),
                                                         gap=("gap", "any"), ok=("ok", "sum"))
                good = ~g["gap"] & (g["ok"] > 0)
                result = g["x"] if kind == "count" else g["x"] / g["w"].where(g["w"] > 0)
                good &= result.notna()
                own = part[part["area_code"].str.startswith("WK" if level == "wijk" else "GM")]
                out = pd.DataFrame({"area_code": g.index[good], "value": result[good].to_numpy(),
                                    "status": "estimated"})
                out = out[~out["area_code"].isin(own["area_code"])]
                frames.append(pd.concat([own[["area_code", "value", "status"]], out])
                              .assign(indicator=indicator, period=period))
    agg = pd.concat(frames, ignore_index=True)
    agg["vintage"] = np.int16(2024)
    agg["year"] = agg["period"].astype(int).astype("int16")
    return agg


def harmonise_2024(catalog) -> tuple[pd.DataFrame, list[str]]:
    obs = pd.read_parquet(OBS / f"{CRIME}.parquet")
    kwb24 = pd.read_parquet(OBS / "cbs-85984NED.parquet")
    agg = aggregate_2024(obs, catalog)
    lines = []
    frames = []
    for level in ("wijk", "gemeente"):
        prefix = "WK" if level == "wijk" else "GM"
        # the 2024 residents of the sources: they weigh shares and tell which are empty
        pop = obs[(obs["indicator"] == "inwoners") & obs["area_code"].str.startswith(prefix)]
        if level == "gemeente":
            pop = kwb24[(kwb24["indicator"] == "inwoners") & (kwb24["period"] == "2024")
                        & kwb24["area_code"].str.startswith("GM")]
        source = agg[agg["area_code"].str.startswith(prefix)]
        cols = ["area_code", "vintage", "period", "year", "indicator", "value", "status"]
        frame = pd.concat([source[cols], pop[cols]], ignore_index=True)
        frame["source"] = CRIME
        cw = crosswalk_from_boundaries(gpd.read_parquet(BOUNDS / f"{level}_2024.parquet"),
                                       gpd.read_parquet(BOUNDS / f"{level}_2022.parquet"),
                                       from_vintage=2024, to_vintage=2022, level=level)
        result = harmonise(frame, cw, catalog, population="inwoners")
        out = result.observations
        out = out[out["indicator"] != "inwoners"]
        frames.append(out)
        lines += [f"2024 -> 2022 {level}: {note}" for note in result.notes]
        rep = result.report[result.report["indicator"] != "inwoners"]
        for r in rep.itertuples():
            total = (f"; total {r.total_from:,.0f} -> {r.total_to:,.0f} "
                     f"({r.total_to / r.total_from - 1:+.2%})" if r.kind == "count" else "")
            lines.append(f"2024 -> 2022 {level} {r.indicator} {r.period}: {r.sources} "
                         f"sources, {r.targets} targets ({r.suppressed} suppressed, "
                         f"{r.partial} from part of their sources, {r.incomplete} without "
                         f"a figure){total}")
    # national crime totals: the buurten of the 2024 file, the 2022 wijken and gemeenten
    out = pd.concat(frames, ignore_index=True)
    crime = obs[(obs["indicator"] == "misdrijven_totaal") & obs["area_code"].str.startswith("BU")]
    for period in TARGETS_2024["misdrijven_totaal"]:
        before = crime.loc[crime["period"] == period, "value"].sum()
        after = {lv: out[(out["indicator"] == "misdrijven_totaal") & (out["period"] == period)
                         & out["area_code"].str.startswith(p)]["value"].sum()
                 for lv, p in (("wijken", "WK"), ("gemeenten", "GM"))}
        lines.append(f"crime {period}: buurten 2024 {before:,.0f}; wijken 2022 "
                     f"{after['wijken']:,.0f} ({after['wijken'] / before - 1:+.2%}); gemeenten "
                     f"2022 {after['gemeenten']:,.0f} ({after['gemeenten'] / before - 1:+.2%})")
    return out, lines


# --------------------------------------------------------------------------- 2020 -> 2022

def names_2020(shared: Path) -> tuple[pd.Series, pd.Series]:
    """The 2020 gemeente names of the 50090NED file: per gemeente code, and per wijk code
    the name of its gemeente (the file names no wijken)."""
    raw = pd.read_csv(shared / HEALTH_FILE, dtype=str, usecols=["WijkenEnBuurten",
                                                                "Gemeentenaam_1"])
    raw = raw.assign(code=raw["WijkenEnBuurten"].str.strip(),
                     name=raw["Gemeentenaam_1"].str.strip()).drop_duplicates("code")
    by_code = raw.set_index("code")["name"]
    return (by_code[by_code.index.str.startswith("GM")],
            by_code[by_code.index.str.startswith("WK")])


def identity_table(shared: Path) -> tuple[pd.DataFrame, list[str]]:
    """The code-identity links 2020 -> 2022 that pass the checks (module docstring)."""
    gm20, wk20_gm = names_2020(shared)
    health = pd.read_parquet(OBS / "cbs-50090NED.parquet", columns=["area_code"])
    codes20 = set(health["area_code"])
    gm22 = gpd.read_parquet(BOUNDS / "gemeente_2022.parquet").set_index("code")
    gm19 = gpd.read_parquet(BOUNDS / "gemeente_2019.parquet").set_index("code")
    wk22 = gpd.read_parquet(BOUNDS / "wijk_2022.parquet").set_index("code")
    wk16 = gpd.read_parquet(BOUNDS / "wijk_2016.parquet").set_index("code")
    gm22_name = gm22["name"].map(normalise_name)
    lines, rows = [], []

    def changed(a: pd.Series, b: pd.Series, index) -> pd.Series:
        ratio = a.reindex(index).to_numpy() / b.reindex(index).to_numpy()
        return pd.Series(~(np.abs(ratio - 1) <= MAX_AREA_CHANGE), index=index)

    # gemeenten
    g = pd.Index(sorted(c for c in gm22.index if c.startswith("GM") and c != "GM0998"))
    in20 = g.isin(sorted(codes20))
    same_name = pd.Series([c in gm20.index and normalise_name(gm20[c]) == gm22_name[c]
                           for c in g], index=g)
    moved = changed(gm22.geometry.area, gm19.geometry.area, g)
    ok = in20 & same_name & ~moved
    lines.append(f"2020 -> 2022 gemeenten: {len(g)} of 2022, {int(in20.sum())} codes also in "
                 f"2020, {int((in20 & same_name).sum())} with the same name, "
                 f"{int(ok.sum())} also with the same area (within {MAX_AREA_CHANGE:.0%}); "
                 f"new codes: {', '.join(g[~in20])}; area changed: "
                 f"{', '.join(g[in20 & same_name & moved])}")
    rows += list(g[ok])
    # wijken
    w = pd.Index(sorted(wk22.index))
    in20 = w.isin(sorted(codes20))
    gm_same = pd.Series([c in wk20_gm.index and normalise_name(wk20_gm[c])
                         == gm22_name.get(gemeente_of(c), "") for c in w], index=w)
    name16 = wk16["name"].map(normalise_name)
    same_name = pd.Series([c in name16.index and name16[c] == normalise_name(wk22["name"][c])
                           for c in w], index=w)
    moved = changed(wk22.geometry.area, wk16.geometry.area, w)
    steps = [in20, in20 & gm_same, in20 & gm_same & w.isin(sorted(wk16.index)),
             in20 & gm_same & same_name, in20 & gm_same & same_name & ~moved]
    ok = steps[-1]
    lines.append(f"2020 -> 2022 wijken: {len(w)} of 2022; code also in 2020: "
                 f"{int(steps[0].sum())}; gemeente name as in 2020: {int(steps[1].sum())}; "
                 f"code also in 2016: {int(steps[2].sum())}; same name as in 2016: "
                 f"{int(steps[3].sum())}; also area within {MAX_AREA_CHANGE:.0%} of 2016: "
                 f"{int(ok.sum())}")
    rows += list(w[ok])
    return pd.DataFrame({"from_code": rows, "to_code": rows}), lines


def harmonise_2020(shared: Path, catalog) -> tuple[pd.DataFrame, list[str]]:
    table, lines = identity_table(shared)
    health = pd.read_parquet(OBS / "cbs-50090NED.parquet")
    health = health[health["area_code"].str[:2].isin(["WK", "GM"])]
    cw = crosswalk_from_table(table, from_vintage=2020, to_vintage=2022, weight_col=None)
    result = harmonise(health[OBS_COLUMNS], cw, catalog, population=None, keep_exact=False)
    lines += [f"2020 -> 2022: {note}" for note in result.notes]
    return result.observations, lines


# --------------------------------------------------------------------------- writing

def coverage(out: pd.DataFrame, residents: pd.Series) -> list[str]:
    """Per indicator and period: how many 2022 wijken and gemeenten have a usable figure,
    of all and of those with residents."""
    lines = []
    usable = out[out["status"].isin(USABLE) & out["value"].notna()]
    for (indicator, period), part in usable.groupby(["indicator", "period"], sort=True):
        parts = []
        for prefix, label in (("WK", "wijken"), ("GM", "gemeenten")):
            pool = residents[residents.index.str.startswith(prefix)]
            inhabited = pool.index[pool > 0]
            have = set(part["area_code"])
            n, m = len(have & set(pool.index)), len(have & set(inhabited))
            parts.append(f"{label} {n:,}/{len(pool):,}, inhabited {m:,}/{len(inhabited):,} "
                         f"({m / len(inhabited):.1%}{', >= 90%' if m >= 0.9 * len(inhabited) else ''})")
        lines.append(f"  {indicator} {period}: " + "; ".join(parts))
    return lines


SOURCES = {
    "harmonised-2024-2022": SourceInfo(
        id="harmonised-2024-2022",
        title="Geregistreerde misdrijven 2021-2025 en ervaren gezondheid 2022, 2024 (per "
              "buurt, indeling 2024) omgerekend naar de wijken en gemeenten van 2022",
        publisher="wijkkompas (computed) from CBS / Politie (47022NED) and CBS/RIVM "
                  "figures as republished by 'Woon ik veilig?'; CBS/Kadaster boundaries",
        licence=LICENCE, table="47022NED, 50090NED",
        url="scripts/harmonised_companions.py: buurten summed to wijken and gemeenten "
            "2024, area overlay of the 2024 boundaries onto those of 2022 (estimated)"),
    "harmonised-2020-2022": SourceInfo(
        id="harmonised-2020-2022",
        title="Gezondheid per wijk en buurt 2012, 2016, 2020 (indeling 2020) overgezet naar "
              "de ongewijzigde wijken en gemeenten van 2022",
        publisher="wijkkompas (computed) from CBS, RIVM, GGD'en (50090NED)",
        licence=LICENCE, table="50090NED",
        url="scripts/harmonised_companions.py: code-identity crosswalk where code, name "
            "and area agree (estimated)"),
}


def build(shared: Path, out_dir: Path = OBS) -> list[str]:
    catalog = load_catalog()
    kwb = pd.concat([pd.read_parquet(OBS / f"cbs-kwb-2022-{n}.parquet")
                     for n in ("wijken", "gemeenten")])
    panel = pd.read_parquet(OBS / "elan-haaglanden-wijkpanel.parquet")
    pop22 = pd.concat([kwb, panel[(panel["vintage"] == 2022) & (panel["period"] == "2022")]])
    pop22 = pop22[(pop22["indicator"] == "inwoners") & (pop22["period"] == "2022")]
    residents = pop22.drop_duplicates("area_code").set_index("area_code")["value"]
    names = kwb.drop_duplicates("area_code").set_index("area_code")["name"]
    lines = []
    for source_id, make in (("harmonised-2024-2022", lambda: harmonise_2024(catalog)),
                            ("harmonised-2020-2022", lambda: harmonise_2020(shared, catalog))):
        figures, notes = make()
        lines += notes
        figures = figures.assign(source=source_id)
        figures["name"] = figures["area_code"].map(names).fillna("")
        figures = figures.sort_values(["indicator", "area_code", "vintage", "period"],
                                      kind="stable").reset_index(drop=True)
        path = out_dir / f"{source_id}.parquet"
        longtable.write(figures[[*OBS_COLUMNS, "name"]], [SOURCES[source_id]], path)
        lines.append(f"wrote {path.name}: {len(figures):,} figures "
                     f"({', '.join(sorted(figures['status'].unique()))}); coverage on 2022:")
        cover = coverage(figures, residents)
        if len(cover) > 12:  # the 50090NED figures: all alike; the range and one example
            cover = [c for c in cover if "ervaren_gezondheid_goed" in c] + [
                f"  ({len(cover)} indicator-periods in all; the others alike)"]
        lines += cover
    return lines


if __name__ == "__main__":
    print("\n".join(build(ROOT.parent / "shared" / "data")))
