"""Copied rows: areas that carry another area's figures (a source's copy error).

Some sources publish one row twice under two codes: the ELAN/LUMC Haaglanden panel
gives Zuiderpark (WK051835, about 160 residents, mostly a park) the row of Moerwijk
(WK051836, about 21,000), Oostduinen (WK051801, dunes, no residents) that of Belgisch
Park (WK051802), and Leidschendam-Voorburg's wijk 07 that of wijk 01. ``wijkkompas trends
--quality`` reports them (``identical_series``); this module decides which member of
such a group is the copy, so that scoring (:class:`~wijkkompas.analysis.inputs.Inputs`,
through which every score reads its figures and populations) never uses a copy.

Rule
----
1. **Which rows are copies of each other.** Areas of one level and boundary vintage
   whose population series (the scheme's population indicator, observed or estimated
   figures) are identical over at least :data:`MIN_IDENTICAL` periods and not constant.
   The population is the test because a copy error copies a whole row, and two real
   areas never count the same number of residents year after year (the same test,
   with the same minimum, as ``trends --quality``).
2. **Which member is the original.** The member whose population in that row agrees
   best with the population of the *same code in the nearest other boundary vintage*
   (CBS never reuses a code for another area, so that figure is the area's own, from
   another source): the smallest ``|ln(P_row / P_ref)|``, with P_row taken in the period
   of the row nearest to the reference's year. It must agree within a factor
   :data:`MAX_RATIO` (2): a wijk's population changes by a few percent a year, while a
   copy misses by far more (Zuiderpark: 21,930 in the row, 155 per CBS in 2024).
   Every other member is a copy. When no member has a reference figure within that
   factor the row cannot be attributed, and every member is treated as a copy.
   The later code is *not* a rule: Zuiderpark (35) is the copy of Moerwijk (36).
3. **What happens to a copy.** Its figures of that vintage that equal the original's
   (same indicator and period) get status ``missing`` and no value: the source did not
   publish them for this area. Not ``suppressed``, which means withheld by the publisher
   and would make every figure derived from them suppressed too. The copy's population
   then comes from its own figures elsewhere (the nearest vintage, as scoring's
   fallback does).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MIN_IDENTICAL = 5
MAX_RATIO = 2.0
COPY_COLUMNS = ["vintage", "code", "copy_of", "population_row", "population_reference",
                "reference"]
_USABLE = ("observed", "estimated")


def find_copies(obs: pd.DataFrame, population: str) -> pd.DataFrame:
    """The copies among ``obs`` (the store's long layout): one row per copied area, with
    the original (``copy_of``; empty when the row could not be attributed), the row's
    population and the area's own (``reference``: its period and vintage)."""
    pop = obs[(obs["indicator"] == population) & obs["status"].isin(_USABLE)
              & obs["value"].notna()]
    out = []
    for vintage, rows in pop.groupby("vintage"):
        for members in _identical_groups(rows):
            out.extend(_judge(members, int(vintage), rows, pop))
    return pd.DataFrame(out, columns=COPY_COLUMNS)


def _identical_groups(rows: pd.DataFrame) -> list[list[str]]:
    level = rows["area_code"].str[:2]
    groups: list[list[str]] = []
    for _, part in rows.groupby(level.to_numpy()):
        wide = part.pivot_table(index="area_code", columns="period", values="value",
                                aggfunc="first")
        n = wide.notna().sum(axis=1)
        varies = wide.max(axis=1) > wide.min(axis=1)
        wide = wide[(n >= MIN_IDENTICAL) & varies]
        if len(wide) < 2:
            continue
        hashed = pd.util.hash_pandas_object(wide.round(10), index=False)
        hashed.index = wide.index
        dup = hashed[hashed.duplicated(keep=False)]
        groups.extend(sorted(m) for m in dup.groupby(dup).groups.values())
    return groups


def _judge(members: list[str], vintage: int, rows: pd.DataFrame, pop: pd.DataFrame
           ) -> list[dict]:
    """Rule 2 of the module docstring for one group of identical rows."""
    judged = {}
    for code in members:
        own = rows[rows["area_code"] == code]
        other = pop[(pop["area_code"] == code) & (pop["vintage"] != vintage)]
        if other.empty:
            judged[code] = (np.inf, np.nan, np.nan, "")
            continue
        other = other[(other["vintage"] - vintage).abs()
                      == (other["vintage"] - vintage).abs().min()]
        gaps = np.abs(other["year"].to_numpy()[:, None] - own["year"].to_numpy()[None, :])
        i, j = np.unravel_index(np.argmin(gaps), gaps.shape)
        ref, row = float(other["value"].iloc[i]), float(own["value"].iloc[j])
        distance = abs(np.log(row / ref)) if ref > 0 and row > 0 else np.inf
        judged[code] = (distance, row, ref, f"{other['period'].iloc[i]} "
                                           f"({int(other['vintage'].iloc[i])} boundaries)")
    best = min(members, key=lambda c: judged[c][0])
    original = best if judged[best][0] <= np.log(MAX_RATIO) else ""
    return [dict(vintage=vintage, code=code, copy_of=original or ",".join(
                     m for m in members if m != code),
                 population_row=judged[code][1], population_reference=judged[code][2],
                 reference=judged[code][3])
            for code in members if code != original]


def drop_copies(obs: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    """``obs`` with the copies' figures that equal their original's set ``missing``
    (rule 3; an unattributed row: the figures all its members share)."""
    if copies.empty:
        return obs
    obs = obs.reset_index(drop=True)
    key = ["vintage", "indicator", "period"]
    masks = np.zeros(len(obs), dtype=bool)
    codes = obs["area_code"].to_numpy()
    for copy in copies.itertuples(index=False):
        others = copy.copy_of.split(",")
        mine = obs[(codes == copy.code) & (obs["vintage"].to_numpy() == copy.vintage)]
        theirs = obs[np.isin(codes, others) & (obs["vintage"].to_numpy() == copy.vintage)]
        same = mine.reset_index().merge(theirs[key + ["value"]], on=key, suffixes=("", "_o"))
        same = same[np.isclose(same["value"], same["value_o"], rtol=1e-10, atol=0)]
        masks[obs.index.get_indexer(same["index"].unique())] = True
    out = obs.copy()
    out.loc[masks, "value"] = np.nan
    out.loc[masks, "status"] = "missing"
    return out
