"""Helpers shared by the change modules: reading figures, orientation, words, formats.

Private: the public functions of :mod:`wijkkompas.change` take a store or frames and
call these.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..errors import WijkkompasError

# A value counts when it was observed or estimated (a harmonised figure is an estimate
# and still a figure); "missing" and "suppressed" rows carry no usable value.
USABLE = ("observed", "estimated")
LEVEL_PLURAL = {"nl": {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten",
                       "land": "landen"},
                "en": {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten",
                       "land": "countries"}}
SCORE_LABELS = {"vulnerability": {"nl": "kwetsbaarheid (samengesteld)",
                                  "en": "vulnerability (composite)"}}


def sign_of(direction: str) -> float:
    """+1 when a higher value is worse, -1 when higher is better, 0 when neutral.

    ``worsening = sign * change``: positive means the area got worse.
    """
    return {"higher_is_worse": 1.0, "higher_is_better": -1.0}.get(direction, 0.0)


def direction_of(indicator: str, catalog: Catalog | None,
                 overrides: dict[str, str] | None = None) -> str:
    """The direction of an indicator id; scores (vulnerability, domain_*) are higher-is-worse."""
    if overrides and indicator in overrides:
        return overrides[indicator]
    if indicator == "vulnerability" or indicator.startswith("domain_"):
        return "higher_is_worse"
    if catalog is not None and indicator in catalog:
        return catalog[indicator].direction
    return "neutral"


def label_of(indicator: str, catalog: Catalog | None, language: str = "nl") -> str:
    if indicator in SCORE_LABELS:
        return SCORE_LABELS[indicator][language]
    if indicator.startswith("domain_"):
        from ..catalog import DOMAINS
        domain = DOMAINS.get(indicator[len("domain_"):])
        if domain:
            return ("domeinscore " if language == "nl" else "domain score ") + domain[language].lower()
    if catalog is not None and indicator in catalog:
        return catalog[indicator].label(language)
    return indicator


def unit_of(indicator: str, catalog: Catalog | None) -> str:
    if catalog is not None and indicator in catalog:
        return catalog[indicator].unit
    return ""


def fmt_number(value: float, language: str = "nl", digits: int = 1, unit: str = "") -> str:
    """``12.0`` -> ``12,0`` in Dutch, ``12.0`` in English; ``%`` units glued on."""
    if value is None or not np.isfinite(value):
        return "-"
    text = f"{value:,.{digits}f}"
    if language == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    if unit == "%":
        return text + "%"
    return text


def load_long(data, *, indicators=None, level=None, vintage=None, within=None, codes=None,
              periods=None) -> pd.DataFrame:
    """Figures in the store's long layout from a Store or a DataFrame, filtered."""
    if hasattr(data, "observations"):
        frame = data.observations(codes=codes, indicators=indicators, level=level,
                                  periods=[str(p) for p in periods] if periods else None,
                                  vintage=vintage, within=within)
    elif isinstance(data, pd.DataFrame):
        frame = data
        if indicators:
            frame = frame[frame["indicator"].isin(indicators)]
        if level and "level" in frame:
            frame = frame[frame["level"] == level]
        if vintage:
            frame = frame[frame["vintage"] == int(vintage)]
        if codes:
            frame = frame[frame["area_code"].isin(codes)]
        if periods:
            frame = frame[frame["period"].astype(str).isin([str(p) for p in periods])]
        if within:
            from ..geo.codes import gemeente_of, wijk_of
            w = within.upper()
            keep = [c == w or gemeente_of(c) == w or wijk_of(c) == w for c in frame["area_code"]]
            frame = frame[np.asarray(keep, dtype=bool)]
    else:
        raise WijkkompasError("expected a Store or a DataFrame of observations")
    frame = frame.copy()
    # plain object strings: hashing and grouping are much faster than on Arrow strings
    for column in ("area_code", "indicator", "period", "name", "level", "status"):
        if column in frame and frame[column].dtype != object:
            frame[column] = frame[column].astype(object)
    for column, default in (("name", ""), ("level", None), ("status", "observed")):
        if column not in frame:
            frame[column] = default
    if frame["level"].isna().any():
        from ..geo.codes import level_of
        frame["level"] = [lv if isinstance(lv, str) else level_of(c)
                          for lv, c in zip(frame["level"], frame["area_code"], strict=True)]
    return frame


def default_vintage(frame: pd.DataFrame) -> int:
    """The vintage with the most distinct periods, then the most figures: the longest panel."""
    if frame.empty:
        raise WijkkompasError("no figures to analyse: check level, indicators and vintage")
    stats = frame.groupby("vintage").agg(periods=("period", "nunique"), n=("value", "size"))
    return int(stats.sort_values(["periods", "n"], ascending=False).index[0])


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Share of the other valid values that are lower or equal: (rank - 1)/(N - 1), ties high.

    The SVI percentile rank (the same definition as the scores module), NaN stays NaN.
    """
    x = np.asarray(values, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    n = ok.sum()
    if n == 0:
        return out
    if n == 1:
        out[ok] = 1.0
        return out
    rank = pd.Series(x[ok]).rank(method="max").to_numpy()
    out[ok] = (rank - 1) / (n - 1)
    return out
