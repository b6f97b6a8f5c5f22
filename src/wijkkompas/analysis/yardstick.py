"""The yardstick: which indicators enter a score, and which areas it can compare.

A composite is one measure only when it rests on the same domains and indicators for
every area it ranks and in every period it is compared with. This module decides, for one
level and peiljaar, after the figures are read and the unreliable ones taken out:

1. **Coverage.** An indicator enters the score of a reference group only when it has a
   figure for at least ``min_coverage`` (default 0.9) of the group's areas that the score
   could rank: those with at least ``rank_min_population`` residents (with a minimum of
   0: every area with residents or an unknown population). Otherwise it is left out for
   that group, with a note. Areas too small to be ranked do not count: CBS withholds
   most shares for them by design. A z-score against the few areas that happen to have a figure (one city's
   Kerncijfers, an income figure published only for larger wijken) is a comparison with
   another reference group, and averaging it with national z-scores would mix
   yardsticks.
2. **Domains.** An area has a domain when it has at least the domain's
   ``min_indicators`` of the indicators that entered.
3. **Full yardstick.** An area is *scored* when it has every domain of the scheme's
   yardstick (:attr:`~wijkkompas.schemes.Scheme.yardstick`) and at least
   ``rank_min_population`` residents (default 1,000: the minimum population of the small
   areas the English Indices of Deprivation rank). Only scored areas get a composite, a
   rank and a class, and only they form the reference group the indicators are
   standardised against, so that adding an area with a partial yardstick changes no
   other area's score or rank. The others keep their figures and domain scores, with
   ``composite_status`` saying why they have no composite: ``missing_domains`` (named in
   ``missing_domains``), ``below_min_population`` or ``population_unknown``.

When no area of the level is scored, :meth:`Yardstick.statement` says so in words (which
domain is missing for how many areas, which indicators were left out and why) instead
of a ranking of partial composites.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..schemes import Scheme

STATUSES = ("scored", "missing_domains", "below_min_population", "population_unknown")


@dataclass
class Yardstick:
    """What a score rests on, per area and as a whole.

    Attributes
    ----------
    entered
        Per indicator, per area: whether the indicator entered the score of the area's
        reference group (coverage rule).
    coverage
        One row per indicator and reference group: ``indicator``, ``group``, ``areas``
        (inhabited areas of the group), ``covered`` (with a figure), ``share``,
        ``entered``.
    available
        Per yardstick domain, per area: whether the area has the domain.
    scored
        Per area: whether it has the full yardstick and enough residents.
    status, missing
        Per area: ``composite_status`` (:data:`STATUSES`) and the missing domains
        (comma-separated, empty when none).
    measure
        The yardstick as scored: per domain of the yardstick the indicators that entered
        for at least one scored area. Two scores compare only when their measures are
        equal (:func:`comparable`).
    """

    entered: dict[str, np.ndarray]
    coverage: list[dict]
    available: dict[str, np.ndarray]
    scored: np.ndarray
    status: np.ndarray
    missing: np.ndarray
    measure: tuple[tuple[str, tuple[str, ...]], ...]
    scheme: Scheme = field(repr=False)
    flat: list[str] = field(default_factory=list)  # domains without spread (see require)

    def require(self, scores: dict[str, np.ndarray]) -> None:
        """Take the composite from scored areas whose yardstick domain got no score after
        standardisation: its figures do not differ between the reference areas (no spread,
        so no z-score), and a composite without that domain would be another measure."""
        self.scored, self.status, self.missing, flat = narrowed(
            self.scheme.yardstick, self.scored, self.status, self.missing, scores)
        self.flat += flat

    def left_out(self) -> list[dict]:
        """The coverage rows of indicators that did not enter (for some group)."""
        return [row for row in self.coverage if not row["entered"]]

    def notes(self, level: str) -> list[str]:
        """Plain-language notes: indicators left out, areas without a composite."""
        out = []
        for row in self.left_out():
            group = "" if row["group"] == "all" else f" in reference group {row['group']}"
            out.append(f"{row['indicator']} left out{group}: it has a figure for "
                       f"{row['covered']:,} of the {row['areas']:,} {level} areas it could rank "
                       f"({row['share']:.1%}), fewer than the "
                       f"{self.scheme.min_coverage:.0%} a comparable score needs")
        n = len(self.scored)
        done = int(self.scored.sum())
        if done and done < n:
            parts = [f"{count:,} lack {domain}" for domain, count in self.missing_counts()]
            small = int((self.status == "below_min_population").sum())
            if small:
                parts.append(f"{small:,} have fewer than "
                             f"{self.scheme.rank_min_population:,} residents")
            unknown = int((self.status == "population_unknown").sum())
            if unknown:
                parts.append(f"{unknown:,} have no known population")
            out.append(f"{done:,} of {n:,} {level} areas are scored on the full yardstick "
                       f"({', '.join(self.scheme.yardstick)}); the others have no composite: "
                       + "; ".join(parts))
        return out

    def missing_counts(self) -> list[tuple[str, int]]:
        """Per yardstick domain, the number of areas without it (only those with any)."""
        return [(d, int((~self.available[d]).sum())) for d in self.scheme.yardstick
                if (~self.available[d]).any()]

    def statement(self, level: str, period: str) -> str | None:
        """Why there is no composite at all, in words; None when some area is scored."""
        if self.scored.any():
            return None
        n = len(self.scored)
        reasons = [f"{domain} is missing for {count:,} of {n:,} areas"
                   for domain, count in self.missing_counts()]
        reasons += [f"{domain} does not differ between the areas that have it (no spread to "
                    "standardise)" for domain in self.flat]
        if not reasons:
            reasons.append(f"every area with all domains has fewer than "
                           f"{self.scheme.rank_min_population:,} residents or no known "
                           "population")
        left = sorted({row["indicator"] for row in self.left_out()})
        tail = (f" (left out for too little coverage: {', '.join(left)})" if left else "")
        return (f"No composite for the {level} areas in {period}: the yardstick is "
                f"{', '.join(self.scheme.yardstick)}, and no area has all of it; "
                + "; ".join(reasons) + tail + ". Domain scores are shown without a ranking.")


def narrowed(domains, scored: np.ndarray, status: np.ndarray, missing: np.ndarray,
             scores: dict[str, np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """:meth:`Yardstick.require` on any areas (all of a level, or one region's): the
    areas still scored, their statuses and missing domains (new arrays), and the
    yardstick domains that took some area's composite. Area by area, so a region's
    result is its areas' part of the whole level's."""
    status, missing, flat = status.copy(), missing.copy(), []
    for domain in domains:
        gone = scored & np.isnan(scores[domain])
        if not gone.any():
            continue
        flat.append(domain)
        scored = scored & ~gone
        status[gone] = "missing_domains"
        missing[gone] = [",".join(filter(None, (m, domain))) for m in missing[gone]]
    return scored, status, missing, flat


def coverage(scheme: Scheme, values: dict[str, np.ndarray], population: np.ndarray,
             group_indices: dict, base_mask: np.ndarray
             ) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Per indicator, per area, whether it enters (see the module docstring, step 1)."""
    if scheme.rank_min_population > 0:
        inhabited = population >= scheme.rank_min_population  # the areas it could rank
    else:
        inhabited = ~(population <= 0)  # NaN (unknown) counts as inhabited
    n = len(population)
    entered: dict[str, np.ndarray] = {}
    rows: list[dict] = []
    for ident in scheme.indicators:
        have = ~np.isnan(values[ident])
        enter = np.zeros(n, dtype=bool)
        for label, positions in group_indices.items():
            pool = base_mask[positions] & inhabited[positions]
            areas = int(pool.sum())
            covered = int((pool & have[positions]).sum())
            share = covered / areas if areas else 0.0
            ok = areas > 0 and share >= scheme.min_coverage
            enter[positions] = ok
            rows.append({"indicator": ident, "group": label, "areas": areas,
                         "covered": covered, "share": share, "entered": ok})
        entered[ident] = enter
    return entered, rows


def assess(scheme: Scheme, values: dict[str, np.ndarray], entered: dict[str, np.ndarray],
           coverage_rows: list[dict], population: np.ndarray) -> Yardstick:
    """Which areas have which domains, and which are scored (module docstring, 2-3)."""
    n = len(population)
    available: dict[str, np.ndarray] = {}
    for domain in scheme.yardstick:
        spec = scheme.domains[domain]
        count = np.zeros(n, dtype=int)
        for ident in spec.indicators:
            count += entered[ident] & ~np.isnan(values[ident])
        available[domain] = count >= spec.min_indicators
    full = np.ones(n, dtype=bool)
    for domain in scheme.yardstick:
        full &= available[domain]
    names = np.array(scheme.yardstick, dtype=object)
    matrix = np.column_stack([~available[d] for d in scheme.yardstick]) if scheme.yardstick \
        else np.zeros((n, 0), dtype=bool)
    missing = np.array([",".join(names[row]) for row in matrix], dtype=object)
    minimum = scheme.rank_min_population
    unknown = np.isnan(population) & (minimum > 0)  # no minimum: nothing to verify
    status = np.where(~full, "missing_domains",
                      np.where(unknown, "population_unknown",
                               np.where(population < minimum, "below_min_population",
                                        "scored"))).astype(object)
    scored = status == "scored"
    measure = tuple(
        (domain, tuple(i for i in scheme.domains[domain].indicators
                       if (entered[i] & scored).any()))
        for domain in scheme.yardstick)
    return Yardstick(entered=entered, coverage=coverage_rows, available=available,
                     scored=scored, status=status, missing=missing, measure=measure,
                     scheme=scheme)


def comparable(a: tuple, b: tuple) -> bool:
    """Whether two scores' measures (:attr:`Yardstick.measure`) are the same yardstick."""
    return bool(a) and a == b


def describe(measure: tuple) -> str:
    """A measure in words: ``domain (indicator, indicator); ...``."""
    return "; ".join(f"{d} ({', '.join(ids) or 'none'})" for d, ids in measure)


__all__ = ["Yardstick", "coverage", "assess", "narrowed", "comparable", "describe", "STATUSES"]
