"""Trends per area and indicator: change, slope with its uncertainty, acceleration, and a
classification (climbing / declining / stable) relative to the noise of the measure;
trajectory types from an area's path through the classes.

Assumptions
-----------
- One series is one area code on one boundary vintage for one indicator; vintages are
  never mixed (harmonise first, :mod:`wijkkompas.change.harmonise`).
- Only figures with status ``observed`` or ``estimated`` count. ``missing`` and
  ``suppressed`` figures are left out, never read as zero, and counted in ``n_missing``.
  A period in which *every* area of an indicator has the value 0 (the Haaglanden panel's
  "register not linked yet") is treated as missing too, and reported.
- Years are the figures' reference years (``year``); gaps are allowed (2012, 2016, 2020).

Notes
-----
Per series with n valid years t_i and values y_i (t centred on the series mean):

- ``change`` = y_last - y_first; ``change_per_year`` = change / (t_last - t_first).
- OLS slope b = S_ty / S_tt with S_tt = sum (t - tbar)^2, S_ty = sum (t - tbar)(y - ybar).
  Residual variance s^2 = (S_yy - b S_ty)/(n - 2) (n >= 3).
- ``noise`` (sigma) of a measure: the pooled residual standard deviation of the linear
  fits of all areas of the same indicator, level and vintage with n_i >= 3 valid years,

      sigma^2 = sum_i SSR_i / sum_i df_i,   SSR_i = sum (y - a - b t)^2,   df_i = n_i - 2

  (p = 2 parameters per fit), with ``df`` = sum_i df_i degrees of freedom: the typical
  wobble around a straight line. It assumes the areas share one residual variance
  (homoscedastic); a series with more years weighs in with more degrees of freedom.
  (A median of the per-area s would be biased low: with three years each s has one
  degree of freedom, s/sigma is distributed as |z|, and its median is 0.67 sigma.)
- Standard error: ``own`` se = s / sqrt(S_tt) with its own n - 2 degrees of freedom
  when n >= ``own_se_min`` (5); with fewer years an area's own residual variance is too
  unstable (one degree of freedom for three years), so ``pooled`` se = sigma / sqrt(S_tt)
  with the pooled ``df``. ``slope_df`` is the degrees of freedom used; the test is
  Student's t with them: ``ci_low``/``ci_high`` = b -+ t_{1-alpha/2, df} se,
  ``p_value`` = 2 P(T_df > |b| / se).
- ``acceleration`` = 2 c, from the quadratic fit y = a + b' t + c t^2 (n >= 3): the change
  of the slope per year. ``acceleration_se`` from that fit's residual variance (n >= 4;
  with three points the parabola fits exactly and has no standard error). For three
  equally spaced years it equals (slope of the second step - slope of the first step)
  divided by the step.
- ``worsening`` = sign x b with sign +1 for higher-is-worse and -1 for
  higher-is-better indicators (0 for neutral): positive = getting worse.
- **Classification**: a series is *declining* (getting worse) or *climbing* (getting
  better) when (1) the slope differs significantly from zero (p < alpha) **and** (2) the
  fitted change over the series, |b| (t_last - t_first), exceeds ``noise_factor`` x sigma
  (default 1): a trend must rise above what the measure does anyway. Otherwise *stable*;
  *insufficient* with fewer than ``min_periods`` (3) valid years. Neutral indicators get
  *rising* / *falling* instead.
- ``change_percentile``: the percentile rank (SVI definition) of ``worsening`` among the
  areas of the same indicator, level and vintage: 0.95 = worsened faster than 95% of them.

Trajectory types (:func:`trajectories`) read an area's path through the classes of a
:class:`~wijkkompas.change.panel.ScorePanel`; see that function for the exact rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..catalog import Catalog
from ._common import USABLE, default_vintage, direction_of, load_long, percentile_rank, sign_of

TREND_COLUMNS = [
    "area_code", "name", "level", "vintage", "indicator", "direction", "n_periods",
    "n_missing", "first_year", "last_year", "first_value", "last_value", "change",
    "change_per_year", "slope", "slope_se", "se_source", "ci_low", "ci_high", "p_value",
    "fitted_change", "noise", "signal_to_noise", "acceleration", "acceleration_se",
    "worsening", "change_percentile", "trend", "identical_to", "slope_df"]
QUALITY_COLUMNS = ["issue", "vintage", "indicator", "period", "areas", "detail"]


@dataclass
class TrendResult:
    """Trends of every series, with the measures' noise and the data problems found.

    Attributes
    ----------
    table
        One row per area x vintage x indicator (:data:`TREND_COLUMNS`).
    noise
        Per level, vintage and indicator: ``noise`` (pooled residual sd), ``df`` (its
        degrees of freedom), ``areas`` (series with n >= 3 in it), ``years``.
    quality
        Data problems found (:data:`QUALITY_COLUMNS`): ``identical_series`` (distinct
        areas with exactly the same series of at least ``min_identical`` values; a copy
        error in the source, not a coincidence), ``identical_areas`` (the same on every
        indicator), ``all_zero_period`` (a period where an indicator is 0 everywhere:
        treated as missing), ``missing`` (figures left out per indicator),
        ``sub_annual`` (figures of months or quarters, left out: series are by year).
    """

    table: pd.DataFrame
    noise: pd.DataFrame
    quality: pd.DataFrame
    alpha: float
    notes: list[str] = field(default_factory=list)

    def of(self, code: str) -> pd.DataFrame:
        return self.table[self.table["area_code"] == code]


def _fit_pattern(years: np.ndarray, Y: np.ndarray):
    """Linear and quadratic OLS of many series (columns of Y) on the same years."""
    n = len(years)
    t = years - years.mean()
    stt = (t * t).sum()
    ybar = Y.mean(axis=0)
    dy = Y - ybar
    b = (t[:, None] * dy).sum(axis=0) / stt
    resid = dy - np.outer(t, b)
    ssr = (resid * resid).sum(axis=0)
    accel = np.full(Y.shape[1], np.nan)
    accel_se = np.full(Y.shape[1], np.nan)
    if n >= 3:
        X = np.column_stack([np.ones(n), t, t * t])
        coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
        accel = 2 * coef[2]
        if n >= 4:
            r = Y - X @ coef
            s2 = (r * r).sum(axis=0) / (n - 3)
            xtx_inv = np.linalg.inv(X.T @ X)
            accel_se = 2 * np.sqrt(s2 * xtx_inv[2, 2])
    return b, ssr, stt, accel, accel_se


def trends(data, catalog: Catalog | None = None, *, indicators=None, level: str | None = None,
           vintage: int | None = None, within: str | None = None, codes=None, periods=None,
           alpha: float = 0.05, min_periods: int = 3, own_se_min: int = 5,
           noise_factor: float = 1.0, min_identical: int = 5,
           directions: dict[str, str] | None = None) -> TrendResult:
    """Trends of every area and indicator (see the module Notes for every formula).

    Parameters
    ----------
    data
        A :class:`~wijkkompas.store.Store` or a long DataFrame (area_code, vintage,
        period, year, indicator, value, status; optional name, level), such as
        :meth:`ScorePanel.long`.
    vintage
        Boundary vintage; default the one with the most periods (the longest panel).
    directions
        Directions for ids outside the catalog (scores are higher-is-worse by default).
    """
    frame = load_long(data, indicators=indicators, level=level, vintage=vintage,
                      within=within, codes=codes, periods=periods)
    if vintage is None and not frame.empty:
        vintage = default_vintage(frame)
        frame = frame[frame["vintage"] == vintage]
    settings = _TrendSettings(alpha, min_periods, own_se_min, noise_factor, min_identical)
    notes: list[str] = []
    quality: list[dict] = []
    frame = _whole_years(frame, quality)
    frame["_usable"] = _usable(frame, quality).to_numpy()
    rows = []
    noise_rows: list[dict] = []
    names = frame.drop_duplicates(["area_code", "vintage"]).set_index(
        ["area_code", "vintage"])[["name", "level"]]
    identical: dict[tuple, str] = {}
    for (v, ind), group in frame.groupby(["vintage", "indicator"], sort=True):
        rows.append(_series_trends(group, v, ind, direction_of(ind, catalog, directions),
                                   names, settings, identical, quality, noise_rows))
    table = _trend_table(rows, names, identical)
    if identical:
        _identical_areas(table, identical, min_identical, quality)
        notes.append("some distinct areas carry identical series (see quality): a copy error "
                     "in the source is likelier than a coincidence; their trends are not "
                     "independent evidence")
    quality_frame = pd.DataFrame(quality, columns=QUALITY_COLUMNS)
    return TrendResult(table=table, noise=pd.DataFrame(noise_rows), quality=quality_frame,
                       alpha=alpha, notes=notes)


def score_trends(store, catalog: Catalog, scheme, *, level: str, vintage: int | None = None,
                 within: str | None = None, alpha: float = 0.05) -> TrendResult:
    """Trends of the composite and the domain scores (``wijkkompas trends --indicator
    scores``): :func:`trends` of :meth:`ScorePanel.long`, the scores of every period on one
    vintage (:func:`~wijkkompas.change.panel.score_panel`), the panel's notes first."""
    from .panel import score_panel

    panel = score_panel(store, catalog, scheme, level=level, vintage=vintage, within=within)
    result = trends(panel.long(), catalog, alpha=alpha)
    result.notes[:0] = panel.notes
    return result


@dataclass(frozen=True)
class _TrendSettings:
    alpha: float
    min_periods: int
    own_se_min: int
    noise_factor: float
    min_identical: int


def _whole_years(frame: pd.DataFrame, quality: list[dict]) -> pd.DataFrame:
    """The figures of whole years (a copy): a series is by year, and a month's or a
    quarter's figure (``2021-03``, ``2021Q1``) would stand in for its year; those left out
    are reported in ``quality`` (``sub_annual``)."""
    from ..periods import whole_years

    annual = whole_years(frame)
    for (v, ind), count in frame[~annual].groupby(["vintage", "indicator"]).size().items():
        quality.append(dict(issue="sub_annual", vintage=v, indicator=ind, period="",
                            areas=int(count), detail="figures of months, quarters or "
                            "rolling years left out: a trend is over whole years"))
    return frame[annual].copy()


def _usable(frame: pd.DataFrame, quality: list[dict]) -> pd.Series:
    """Which figures count: observed or estimated, with a value, not in an all-zero
    period; what is left out is reported in ``quality``."""
    usable = frame["status"].isin(USABLE) & frame["value"].notna()
    # a whole period of zeros is "not available", not a measurement
    ok = frame[usable]
    if len(ok):
        per = ok.groupby(["vintage", "indicator", "period"])["value"].agg(
            lambda v: len(v) > 1 and bool((v == 0).all()))
        for (v, ind, per_), zero in per.items():
            if zero:
                mask = ((frame["vintage"] == v) & (frame["indicator"] == ind)
                        & (frame["period"] == per_))
                usable &= ~mask
                quality.append(dict(issue="all_zero_period", vintage=v, indicator=ind,
                                    period=per_, areas=int(mask.sum()),
                                    detail="every area has 0: read as not available"))
    missing = frame[~usable].groupby(["vintage", "indicator"]).size()
    for (v, ind), count in missing.items():
        quality.append(dict(issue="missing", vintage=v, indicator=ind, period="",
                            areas=int(count), detail="figures with status missing or "
                            "suppressed (or all-zero periods) left out of the trends"))
    return usable


def _series_trends(group: pd.DataFrame, v, ind, direction: str, names: pd.DataFrame,
                   settings: _TrendSettings, identical: dict[tuple, str],
                   quality: list[dict], noise_rows: list[dict]) -> pd.DataFrame:
    """The trend rows of one indicator on one vintage; adds its noise row, and its
    identical series to ``identical`` and ``quality``."""
    sign = sign_of(direction)
    good = group[group["_usable"]]
    wide = good.pivot_table(index="area_code", columns="year", values="value",
                            aggfunc="first")
    n_missing = group[~group["_usable"]].groupby("area_code").size()
    all_codes = group["area_code"].unique()
    wide = wide.reindex(all_codes)
    years_all = np.asarray(wide.columns, dtype=float)
    values = wide.to_numpy(dtype=float)
    mask = np.isfinite(values)
    n = mask.sum(axis=1)
    k = len(all_codes)
    if len(wide):
        _identical_series(wide, values, mask, n, v, ind, settings.min_identical, identical,
                          quality)
    out = _fit_series(values, mask, years_all)
    sigma, pooled_df = _pooled_noise(out["ssr"], out["df"])
    noise_rows.append(dict(level=names.loc[(all_codes[0], v), "level"] if k else None,
                           vintage=v, indicator=ind, noise=sigma, df=pooled_df,
                           areas=int(np.isfinite(out["df"]).sum()),
                           years=",".join(str(int(y)) for y in years_all)))
    own = n >= settings.own_se_min
    se = np.where(own, out["s"] / np.sqrt(out["stt"]), sigma / np.sqrt(out["stt"]))
    df = np.where(own, n - 2, pooled_df if pooled_df else np.nan).astype(float)
    df[~np.isfinite(se)] = np.nan
    alpha = settings.alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = out["slope"] / se
        q = stats.t.ppf(1 - alpha / 2, df)
        p = 2 * stats.t.sf(np.abs(tstat), df)
    span = out["last_year"] - out["first_year"]
    fitted = out["slope"] * span
    with np.errstate(invalid="ignore", divide="ignore"):
        snr = np.abs(fitted) / sigma if sigma and np.isfinite(sigma) else np.full(k, np.nan)
    worsening = sign * out["slope"] if sign else out["slope"] * np.nan
    trend = _classify(out["slope"], worsening, sign, n, np.asarray(p < alpha), fitted, sigma,
                      settings)
    change = out["last_value"] - out["first_value"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cpy = np.where(span > 0, change / span, np.nan)
    return pd.DataFrame({
        "area_code": all_codes, "vintage": v, "indicator": ind, "direction": direction,
        "n_periods": n, "n_missing": n_missing.reindex(all_codes).fillna(0).astype(int)
        .to_numpy(), "first_year": out["first_year"], "last_year": out["last_year"],
        "first_value": out["first_value"], "last_value": out["last_value"],
        "change": change, "change_per_year": cpy, "slope": out["slope"],
        "slope_se": se, "se_source": np.where(own, "own", "pooled"),
        "ci_low": out["slope"] - q * se, "ci_high": out["slope"] + q * se,
        "p_value": p, "fitted_change": fitted, "noise": sigma, "signal_to_noise": snr,
        "acceleration": out["acceleration"], "acceleration_se": out["acceleration_se"],
        "worsening": worsening,
        "change_percentile": percentile_rank(worsening) if sign else np.nan,
        "trend": trend, "slope_df": df})


def _pooled_noise(ssr: np.ndarray, df: np.ndarray) -> tuple[float, int]:
    """sigma = sqrt(sum SSR_i / sum df_i) over the series with a residual (df_i >= 1), and
    its degrees of freedom sum df_i; NaN and 0 when no series has three valid years."""
    fitted = np.isfinite(df)
    total_df = int(df[fitted].sum())
    if total_df == 0:
        return np.nan, 0
    return float(np.sqrt(ssr[fitted].sum() / total_df)), total_df


def _identical_series(wide: pd.DataFrame, values: np.ndarray, mask: np.ndarray,
                      n: np.ndarray, v, ind, min_identical: int, identical: dict[tuple, str],
                      quality: list[dict]) -> None:
    # identical series of distinct areas (the panel's copy errors): hash the rows
    rounded = np.where(mask, np.round(values, 10), np.nan)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(rounded, axis=1, initial=-np.inf) - np.nanmin(
            rounded, axis=1, initial=np.inf)
    candidate = (n >= min_identical) & (spread > 0)
    if not candidate.any():
        return
    hashed = pd.util.hash_pandas_object(pd.DataFrame(rounded[candidate]), index=False)
    hashed.index = wide.index[candidate]
    dup = hashed[hashed.duplicated(keep=False)]
    for _, members in dup.groupby(dup).groups.items():
        members = sorted(members)
        for c in members:
            identical[(c, v, ind)] = ",".join(m for m in members if m != c)
        quality.append(dict(issue="identical_series", vintage=v, indicator=ind,
                            period="", areas=len(members), detail=" = ".join(members)))


def _fit_series(values: np.ndarray, mask: np.ndarray,
                years_all: np.ndarray) -> dict[str, np.ndarray]:
    """First and last year and value, and the linear and quadratic fits, of every row of
    ``values`` (NaN where it has too few values)."""
    k = len(values)
    out = {c: np.full(k, np.nan) for c in (
        "first_year", "last_year", "first_value", "last_value", "slope", "ssr", "df", "s",
        "stt", "acceleration", "acceleration_se")}
    # fit per pattern of available years: one batched least squares per pattern
    patterns = pd.Series(mask.astype(np.uint64) @ (np.uint64(1) << np.arange(
        mask.shape[1], dtype=np.uint64)) if mask.shape[1] <= 64 else
        [m.tobytes() for m in mask])
    for _, idx in patterns.groupby(patterns).groups.items():
        idx = np.asarray(idx)
        m = mask[idx[0]]
        cnt = int(m.sum())
        if cnt == 0:
            continue
        yrs = years_all[m]
        Y = values[np.ix_(idx, np.flatnonzero(m))].T
        out["first_year"][idx] = yrs[0]
        out["last_year"][idx] = yrs[-1]
        out["first_value"][idx] = Y[0]
        out["last_value"][idx] = Y[-1]
        if cnt >= 2:
            b, ssr, stt, acc, acc_se = _fit_pattern(yrs, Y)
            out["slope"][idx] = b
            if cnt > 2:
                out["ssr"][idx] = ssr
                out["df"][idx] = cnt - 2
                out["s"][idx] = np.sqrt(ssr / (cnt - 2))
            out["stt"][idx] = stt
            out["acceleration"][idx] = acc
            out["acceleration_se"][idx] = acc_se
    return out


def _classify(slope: np.ndarray, worsening: np.ndarray, sign, n: np.ndarray,
              significant: np.ndarray, fitted: np.ndarray, sigma: float,
              settings: _TrendSettings) -> np.ndarray:
    """The trend class of each series (module Notes, **Classification**)."""
    material = (np.abs(fitted) > settings.noise_factor * sigma) if np.isfinite(sigma) else \
        np.isfinite(fitted)
    trend = np.where(n < settings.min_periods, "insufficient", "stable").astype(object)
    moving = (n >= settings.min_periods) & significant & material
    if sign:
        trend[moving & (worsening > 0)] = "declining"
        trend[moving & (worsening < 0)] = "climbing"
    else:
        trend[moving & (slope > 0)] = "rising"
        trend[moving & (slope < 0)] = "falling"
    return trend


def _trend_table(rows: list[pd.DataFrame], names: pd.DataFrame,
                 identical: dict[tuple, str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=TREND_COLUMNS)
    table = pd.concat(rows, ignore_index=True)
    idx = pd.MultiIndex.from_arrays([table["area_code"], table["vintage"]])
    table["name"] = names["name"].reindex(idx).to_numpy()
    table["level"] = names["level"].reindex(idx).to_numpy()
    table["identical_to"] = ""
    if identical:
        keys = pd.MultiIndex.from_tuples(list(identical), names=["c", "v", "i"])
        found = pd.Series(list(identical.values()), index=keys).reindex(
            pd.MultiIndex.from_arrays([table["area_code"], table["vintage"],
                                       table["indicator"]]))
        table["identical_to"] = found.fillna("").to_numpy()
    for col in ("first_year", "last_year"):
        table[col] = table[col].astype("Int64")
    return table[TREND_COLUMNS]


def _identical_areas(table: pd.DataFrame, identical: dict[tuple, str], min_identical: int,
                     quality: list[dict]) -> None:
    # areas identical on every indicator: report once per pair
    pairs = pd.DataFrame([(c, v, i, o) for (c, v, i), o in identical.items()],
                         columns=["code", "vintage", "indicator", "others"])
    comparable = table[table["n_periods"] >= min_identical].groupby(
        ["area_code", "vintage"])["indicator"].nunique()
    for (c, v), sub in pairs.groupby(["code", "vintage"]):
        common = set.intersection(*[set(o.split(",")) for o in sub["others"]])
        for other in sorted(common):
            # identical on every indicator that both areas have long enough series of
            if c < other and len(sub) == comparable.get((c, v), -1) == comparable.get(
                    (other, v), -1):
                quality.append(dict(issue="identical_areas", vintage=v, indicator="*",
                                    period="", areas=2,
                                    detail=f"{c} = {other} on all {len(sub)} indicators "
                                           f"with at least {min_identical} values"))


# -- trajectories ------------------------------------------------------------------------

TRAJECTORIES = ("Terugval", "Succes!", "Gestaag herstel", "Afglijder", "Vroegsignalering",
                "Blijvend kwetsbaar", "Stabiel")
TRAJECTORY_EN = {"Terugval": "Relapse", "Succes!": "Success", "Gestaag herstel":
                 "Steady recovery", "Afglijder": "Sliding into vulnerability",
                 "Vroegsignalering": "Early warning", "Blijvend kwetsbaar":
                 "Persistently vulnerable", "Stabiel": "Stable"}


def class_rank(values, system: str = "deciles") -> np.ndarray:
    """Classes as numbers 1..k with k the most vulnerable (deciles are that already)."""
    from ..analysis.classes import order_of

    if system == "deciles":
        return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    order = {label: i + 1 for i, label in enumerate(order_of(system))}
    return np.array([order.get(v, np.nan) for v in values], dtype=float)


def trajectories(panel, *, vulnerable_from: int | None = None, shift: int = 2) -> pd.DataFrame:
    """RIGO-style trajectory type of every area from its path through the classes.

    Parameters
    ----------
    panel : ScorePanel
    vulnerable_from
        The first class counted as "vulnerable" (in class numbers 1..k, k = most
        vulnerable); default the worst fifth: decile 9 for deciles, the two worst classes
        of the other systems.
    shift
        How many classes make a clear move (default 2: one class is within the noise of
        a relative ranking).

    Returns
    -------
    DataFrame: code, name, path (classes by period), first, last, best, worst,
    trajectory (Dutch), trajectory_en, started_vulnerable.

    Notes
    -----
    With c_1..c_T an area's class numbers (T >= 2 periods with a class; periods without a
    class are skipped), W = ``vulnerable_from`` and d = ``shift``, the first rule that
    holds wins:

    1. **Terugval** (relapse): some period k < T improved clearly on the start,
       c_k <= c_1 - d, and the area fell back since, c_T >= c_k + d.
    2. **Succes!**: started vulnerable (c_1 >= W), ends outside (c_T < W) and improved
       clearly (c_1 - c_T >= d).
    3. **Gestaag herstel** (steady recovery): never a step back (c_{t+1} <= c_t for all
       t) and better at the end (c_T < c_1).
    4. **Afglijder** (sliding in): started outside the vulnerable classes and ends in
       them (c_1 < W <= c_T).
    5. **Vroegsignalering** (early warning): still outside (c_T < W) but worse: clearly
       (c_T - c_1 >= d), or steadily (no step forward, c_T > c_1).
    6. **Blijvend kwetsbaar**: vulnerable in every period (all c_t >= W).
    7. **Stabiel**: anything else.

    RIGO grouped the vulnerable wijken of 2017 by Leefbaarometer development; these rules
    borrow the names and the idea (a path, not two points) and state the cuts exactly.
    """
    wide = panel.wide("class")
    k = len(__import__("wijkkompas.analysis.classes", fromlist=["order_of"]).order_of(
        panel.class_system))
    if vulnerable_from is None:
        vulnerable_from = 9 if panel.class_system == "deciles" else k - 1
    ranks = np.column_stack([class_rank(wide[p], panel.class_system) for p in wide.columns]) \
        if len(wide.columns) else np.empty((len(wide), 0))
    names = panel.table.drop_duplicates("code").set_index("code")["name"]
    rows = []
    W, d = vulnerable_from, shift
    for code, r in zip(wide.index, ranks, strict=True):
        c = r[np.isfinite(r)]
        path = "-".join(str(int(x)) if np.isfinite(x) else "." for x in r)
        if len(c) < 2:
            kind = None
        else:
            first, last = c[0], c[-1]
            steps = np.diff(c)
            relapse = any(c[j] <= first - d and last >= c[j] + d for j in range(1, len(c) - 1))
            if relapse:
                kind = "Terugval"
            elif first >= W and last < W and first - last >= d:
                kind = "Succes!"
            elif (steps <= 0).all() and last < first:
                kind = "Gestaag herstel"
            elif first < W <= last:
                kind = "Afglijder"
            elif last < W and (last - first >= d or ((steps >= 0).all() and last > first)):
                kind = "Vroegsignalering"
            elif (c >= W).all():
                kind = "Blijvend kwetsbaar"
            else:
                kind = "Stabiel"
        rows.append(dict(code=code, name=names.get(code, ""), path=path,
                         first=c[0] if len(c) else np.nan, last=c[-1] if len(c) else np.nan,
                         best=c.min() if len(c) else np.nan, worst=c.max() if len(c) else np.nan,
                         trajectory=kind, trajectory_en=TRAJECTORY_EN.get(kind) if kind else None,
                         started_vulnerable=bool(len(c) and c[0] >= W)))
    return pd.DataFrame(rows)
