"""Peers and twins: the areas most like a given area, how they diverged, and what drove
an area's change in composite.

Assumptions
-----------
- Similarity is measured in a base period on one boundary vintage, on the indicators
  given (default: the scheme's indicators the area has a figure for in that period).
- Indicators are standardised over all areas of the level and vintage (z = (x - mean)
  / sd), so every indicator weighs the same whatever its unit.
- Urbanity (``stedelijkheid``, CBS's 1-5 from address density) may be published on
  another vintage than the figures; the same code's value in the nearest vintage is
  used (CBS does not reuse a code for another area).

Notes
-----
- Distance: d(a, b) = sqrt( sum_i (z_ai - z_bi)^2 / p ) over the p indicators both
  have; areas lacking any of the area's indicators are not compared.
- Twins that diverged: for each peer, ``divergence`` = d(later period) - d(base
  period), on the same indicators standardised within the later period; the peers are
  listed with the change of their composite (vulnerability) between the periods.
- Decomposition (:func:`decompose`): for additive schemes (z-scores, robust z, index)
  the composite is V = sum_i c_i with contributions c_i = w_domain x w_indicator x z_i
  (see :func:`wijkkompas.analysis.explain.explain`), so the change V_2 - V_1 =
  sum_i (c_i2 - c_i1) exactly; an indicator without a figure in a period contributes 0
  there. For percentile and IMD schemes the composite is re-ranked and the sum is not
  exact: the result says so (``exact``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import WijkkompasError
from ._common import USABLE


@dataclass
class PeerResult:
    area: pd.Series                 # code, name, level
    base_period: str
    later_period: str | None
    indicators: list[str]
    peers: pd.DataFrame             # code, name, distance, distance_later, divergence, ...
    decomposition: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _wide(obs: pd.DataFrame, period: str, indicators: list[str]) -> pd.DataFrame:
    o = obs[(obs["period"] == period) & obs["indicator"].isin(indicators)
            & obs["status"].isin(USABLE) & obs["value"].notna()]
    return o.pivot_table(index="area_code", columns="indicator", values="value",
                         aggfunc="first").reindex(columns=indicators)


def _z(wide: pd.DataFrame) -> pd.DataFrame:
    sd = wide.std(ddof=0).replace(0, np.nan)
    return (wide - wide.mean()) / sd


def nearest(z: pd.DataFrame, code: str, k: int = 10, candidates=None) -> pd.Series:
    """The k nearest areas to ``code`` in a standardised table (Euclidean, scaled by p)."""
    from scipy.spatial.distance import cdist

    if code not in z.index:
        raise WijkkompasError(f"{code} has no figures for the comparison")
    me = z.loc[code]
    cols = me.dropna().index
    pool = z[cols].dropna()
    if candidates is not None:
        pool = pool[pool.index.isin(candidates)]
    pool = pool.drop(index=code, errors="ignore")
    d = cdist(me[cols].to_numpy(float)[None, :], pool.to_numpy(float))[0] / np.sqrt(len(cols))
    return pd.Series(d, index=pool.index).nsmallest(k)


def decompose(panel, code: str, from_period: str | None = None,
              to_period: str | None = None) -> pd.DataFrame:
    """Contributions of every indicator to the change of an area's composite.

    Returns a DataFrame: indicator, domain, contribution_from, contribution_to, change
    (sorted by |change|), with ``attrs['exact']`` and ``attrs['total']``.
    """
    from_period = from_period or panel.periods[0]
    to_period = to_period or panel.periods[-1]
    parts = []
    for period in (from_period, to_period):
        result = panel.results[period]
        d = result.details
        d = d[d["code"] == code][["indicator", "domain", "contribution"]]
        parts.append(d.set_index(["indicator", "domain"])["contribution"].rename(period))
    table = pd.concat(parts, axis=1).fillna(0.0)
    table.columns = ["contribution_from", "contribution_to"]
    table["change"] = table["contribution_to"] - table["contribution_from"]
    table = table.reset_index()
    table = table.reindex(table["change"].abs().sort_values(ascending=False).index)
    v = panel.table[panel.table["code"] == code].set_index("period")["vulnerability"]
    total = float(v.get(to_period, np.nan) - v.get(from_period, np.nan))
    method = panel.results[to_period].method
    table.attrs["total"] = total
    table.attrs["exact"] = bool(method in ("zscore", "robust_z", "index")
                                and np.isclose(table["change"].sum(), total, atol=1e-9))
    table.attrs["from_period"], table.attrs["to_period"] = from_period, to_period
    return table.reset_index(drop=True)


def peer_indicators(scheme, catalog) -> list[str]:
    """The indicators areas are compared on by default: the scheme's own figures."""
    return [i for i in scheme.raw_indicators() if i in catalog and i != scheme.population]


def peer_figures(store, indicators: list[str], level: str | None,
                 vintage: int | None) -> pd.DataFrame:
    """The figures :func:`peers` compares areas on (those of ``indicators`` at ``level``
    on ``vintage``)."""
    obs = store.observations(indicators=indicators, level=level, vintage=vintage)
    return obs.assign(period=obs["period"].astype(str))


@dataclass
class PeerTables:
    """What :func:`peers` compares every area of a level on, the same for each of them:
    the figures of the base and the later period, one column per indicator (those with
    any figure in the base period), standardised over the level (``z``, ``later``);
    ``wide`` the base period's own values. A caller that asks for the peers of many
    areas makes them once (:func:`peer_tables`) and passes them as ``tables``."""
    base_period: str
    later_period: str
    wide: pd.DataFrame
    z: pd.DataFrame
    later: pd.DataFrame
    names: pd.Series


def peer_tables(obs: pd.DataFrame, indicators: list[str], *, level: str | None = None,
                base_period=None, later_period=None) -> PeerTables:
    """:class:`PeerTables` of :func:`peer_figures`' ``obs``; the base period defaults to
    the first with figures, the later one to the last in which every indicator of the
    base period has figures (else the last with any: a later period without them gives
    no distance, and the notes say so)."""
    periods = sorted(obs["period"].unique(), key=lambda p: (len(p), p))
    if not periods:
        raise WijkkompasError(f"no figures of {', '.join(indicators)} for {level} areas")
    base_period = str(base_period or periods[0])
    base = _wide(obs, base_period, indicators)
    base = base.loc[:, base.notna().any()]
    if later_period is None:
        present = obs[obs["indicator"].isin(base.columns)].groupby("period")["indicator"] \
            .nunique()
        whole = [p for p in periods if present.get(p, 0) == len(base.columns)]
        later_period = whole[-1] if whole else periods[-1]
    later_period = str(later_period)
    return PeerTables(base_period, later_period, base, _z(base),
                      _z(_wide(obs, later_period, list(base.columns))),
                      obs.drop_duplicates("area_code").set_index("area_code")["name"])


def peers(store, catalog, area: str, *, scheme=None, indicators=None, level: str | None = None,
          base_period=None, later_period=None, vintage: int | None = None, k: int = 10,
          same_urbanity: bool = False, panel=None, tables: PeerTables | None = None,
          found: pd.Series | None = None) -> PeerResult:
    """The ``k`` areas most like ``area`` in the base period, and how they moved since.

    ``tables``: :func:`peer_tables` of the same ``indicators``, level, vintage and
    periods, when the caller holds them (else they are made from the store's figures);
    ``found``: the area as the store resolves it, when the caller has it."""
    from ..schemes import load_scheme
    from .panel import score_panel

    scheme = scheme or load_scheme(None, catalog)
    if found is None and hasattr(store, "resolve_area"):
        found = store.resolve_area(area)
    code = found["code"] if found is not None else area
    level = level or (found["level"] if found is not None else None)
    notes: list[str] = []
    if panel is None:
        try:
            if level is None:  # a store that cannot resolve the area, and no level= given
                raise WijkkompasError("no level to score at")
            panel = score_panel(store, catalog, scheme, level=level, vintage=vintage)
        except WijkkompasError as exc:
            notes.append(f"no score panel ({exc}): composite changes left out")
    vintage = vintage or (panel.vintage if panel is not None else None)
    indicators = indicators or peer_indicators(scheme, catalog)
    if tables is None:
        tables = peer_tables(peer_figures(store, indicators, level, vintage), indicators,
                             level=level, base_period=base_period, later_period=later_period)
    base_period, later_period = tables.base_period, tables.later_period
    z = tables.z
    if code not in tables.wide.index:
        raise WijkkompasError(f"{code} has no figures in {base_period} on the {vintage} "
                              "boundaries")
    candidates = None
    urbanity = None
    if same_urbanity:
        urbanity, candidates = _same_urbanity(store, level, vintage, code, notes)
    near = nearest(z, code, k, candidates)
    cols = z.loc[code].dropna().index
    table = _peer_rows(near, tables, code, cols, panel, urbanity)
    decomposition = None
    if panel is not None and code in set(panel.table["code"]) and \
            base_period in panel.results and later_period in panel.results:
        decomposition = decompose(panel, code, base_period, later_period)
    area_row = found if found is not None else pd.Series({"code": code, "name": "",
                                                           "level": level})
    notes.append(f"similarity on {len(cols)} indicators in {base_period}: "
                 f"{', '.join(cols)}")
    notes += _blank_columns(table, tables, code, cols)
    return PeerResult(area=area_row, base_period=base_period, later_period=later_period,
                      indicators=list(cols), peers=table, decomposition=decomposition,
                      notes=notes)


def _same_urbanity(store, level: str | None, vintage: int | None, code: str,
                   notes: list[str]) -> tuple[pd.Series, pd.Index | None]:
    """Each area's urbanity class (from the nearest vintage), and the areas in the class
    of ``code`` (None when it has none: then all areas are candidates)."""
    urb = store.observations(indicators=["stedelijkheid"], level=level)
    urb = urb[urb["value"].notna()]
    urb = urb.assign(gap=(urb["vintage"] - int(vintage or 0)).abs()).sort_values("gap")
    urbanity = urb.drop_duplicates("area_code").set_index("area_code")["value"]
    if code not in urbanity.index:
        notes.append(f"{code} has no urbanity class: compared with all areas")
        return urbanity, None
    notes.append(f"compared with areas of the same urbanity class ({int(urbanity[code])})")
    return urbanity, urbanity.index[urbanity == urbanity[code]]


def all_peers(store_or_obs, catalog, *, indicators, level: str, vintage: int, period: str,
              k: int = 10) -> pd.DataFrame:
    """The ``k`` nearest peers of *every* area at once (a k-d tree, scipy's cKDTree).

    Same distance as :func:`peers` (standardised indicators, Euclidean / sqrt(p)), on
    the areas that have every indicator in ``period``. Returns code, rank, peer, distance.
    """
    from scipy.spatial import cKDTree

    obs = (store_or_obs.observations(indicators=indicators, level=level, vintage=vintage,
                                     periods=[str(period)])
           if hasattr(store_or_obs, "observations") else store_or_obs)
    obs = obs.assign(period=obs["period"].astype(str))
    z = _z(_wide(obs, str(period), list(indicators))).dropna(axis=1, how="all").dropna()
    if len(z) <= k:
        raise WijkkompasError("too few complete areas for peers")
    tree = cKDTree(z.to_numpy(float))
    found = tree.query(z.to_numpy(float), k=k + 1)
    dist, idx = np.asarray(found[0]), np.asarray(found[1])
    codes = z.index.to_numpy()
    # column 0 is the area itself (distance 0) unless an identical twin came first
    own = idx == np.arange(len(z))[:, None]
    keep = ~own
    keep[:, -1] &= own.any(axis=1)  # drop the extra neighbour when self was found
    rows = keep.sum(axis=1)
    out = pd.DataFrame({
        "code": np.repeat(codes, rows),
        "rank": np.concatenate([np.arange(1, r + 1) for r in rows]),
        "peer": codes[idx[keep]],
        "distance": dist[keep] / np.sqrt(z.shape[1])})
    return out.groupby("code").head(k).reset_index(drop=True)


def _blank_columns(table: pd.DataFrame, tables: PeerTables, code: str, cols) -> list[str]:
    """Why a column of the peers' table is empty, in words (never a silent blank)."""
    later_period = tables.later_period
    notes = []
    if len(table) and table["distance_later"].isna().all():
        later = tables.later
        lacking = (list(cols) if code not in later.index
                   else [c for c in cols if pd.isna(later.at[code, c])])
        notes.append(f"no distance in {later_period}: " + (
            f"{code} has no figure of {', '.join(lacking)} in {later_period}" if lacking
            else f"no peer has figures of all {len(cols)} indicators in {later_period}"))
    if len(table) and "vulnerability_change" in table and \
            table["vulnerability_change"].isna().all():
        notes.append(f"no change in composite: the score panel has no composite of these "
                     f"areas in both {tables.base_period} and {later_period} on one yardstick")
    return notes


def _peer_rows(near: pd.Series, tables: PeerTables, code: str, cols, panel,
               urbanity) -> pd.DataFrame:
    """One row per peer: its distance in the base period and in the later one, and its
    composite in both periods when the panel has them."""
    later, names = tables.later, tables.names
    base_period, later_period = tables.base_period, tables.later_period
    me_later = later.loc[code, cols] if code in later.index else None
    rows = []
    vul = panel.wide("vulnerability") if panel is not None else None
    for peer, dist in near.items():
        d_later = np.nan
        if me_later is not None and peer in later.index:
            diff = (later.loc[peer, cols] - me_later).dropna()
            if len(diff) == len(cols):
                d_later = float(np.sqrt((diff ** 2).sum() / len(cols)))
        row = dict(code=peer, name=names.get(peer, ""), distance=float(dist),
                   distance_later=d_later, divergence=d_later - float(dist))
        if vul is not None and peer in vul.index:
            row["vulnerability_base"] = vul.at[peer, base_period] \
                if base_period in vul.columns else np.nan
            row["vulnerability_later"] = vul.at[peer, later_period] \
                if later_period in vul.columns else np.nan
        if urbanity is not None:
            row["stedelijkheid"] = urbanity.get(peer, np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    if "vulnerability_base" in table:
        table["vulnerability_change"] = table["vulnerability_later"] - table["vulnerability_base"]
    return table
