"""Postcodes (PC4) and place names, offline: which wijken and buurten a postcode covers,
and which gemeente a place name or a common alias means.

The data is bundled in ``data/postcodes/`` (see its README): ``pc4_2020.parquet``, the
4,068 CBS postcode-4 areas of 2020 (RD New, simplified) with their inhabitants on
1 January 2021 and their place (``plaats``), gemeente and province, and ``aliases.yaml``,
names people use that are neither a CBS area name nor a place in the file ("Den Bosch",
"Schilderswijk"), each with its source.

- :func:`postcode_areas` overlays one postcode with the store's boundaries and gives, per
  level, the share of the postcode's **area** in each gemeente, wijk and buurt (the
  postcode's residents are not known below the postcode, so residents are assumed spread
  evenly over it; see ``docs/data.md``), and ``share_residents``, the share of its
  **residents**, estimated from the buurten's population density where the store has it;
- :func:`search_terms` turns a search text into what :meth:`wijkkompas.store.Store.areas`
  looks for besides the name itself: the gemeenten of a place (by inhabitants) and the
  areas an alias names.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import UnknownAreaError, WijkkompasError
from .codes import gemeente_of, level_of

if TYPE_CHECKING:
    from ..store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "postcodes"
BUNDLE = DATA / "pc4_2020.parquet"
ALIASES = DATA / "aliases.yaml"
METADATA_KEY = b"wijkkompas.source"
SOURCE = {
    "id": "cbs-postcode4-2020",
    "title": "CBS postcode-4 gebieden 2020 (inwoners 1 januari 2021) met woonplaats, "
             "gemeente en provincie",
    "publisher": "CBS (Kerncijfers per postcode; Gebiedsindelingen), as shipped in the R "
                 "package certegis (GPL-2)",
    "licence": "CC BY 4.0",
    "url": "https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data/"
           "gegevens-per-postcode",
}
LEVELS = ("gemeente", "wijk", "buurt")
# an area with less of the postcode than this is a sliver where the postcode map and the
# boundary map (generalised differently) disagree about a street line: left out
MIN_SHARE = 0.01
# a boundary vintage is used for a postcode when its areas cover at least this much of it
MIN_COVER = 0.5
POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*(?:[A-Za-z]{2})?\s*$")


class UnknownPostcodeError(UnknownAreaError):
    """A postcode that is not in the bundled postcode areas."""


def parse_postcode(text: str | None) -> str | None:
    """The four digits of a Dutch postcode (``2526``, ``2526 AB``, ``2526ab``), else None."""
    if not text:
        return None
    match = POSTCODE.match(text)
    return match[1] if match else None


def normalise(text: str | None) -> str:
    """A name as the search compares it: no accents, lower case, every run of other
    characters than letters and digits one space (``'s-Gravenhage`` -> ``s gravenhage``,
    ``Hengelo (O.)`` -> ``hengelo o``). :data:`NORMALISE_SQL` does the same in DuckDB."""
    if not text:
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text))
                    if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def NORMALISE_SQL(column: str) -> str:  # noqa: N802 (reads as the constant it stands for)
    """The SQL expression of :func:`normalise` for ``column``."""
    return f"trim(regexp_replace(lower(strip_accents({column})), '[^a-z0-9]+', ' ', 'g'))"


# -- the bundled data ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def postcodes():
    """The bundled PC4 areas: a GeoDataFrame (RD New) indexed by the four digits."""
    import geopandas as gpd

    if not BUNDLE.is_file():
        raise WijkkompasError(f"the bundled postcode areas are missing ({BUNDLE}); "
                              "reinstall wijkkompas or run scripts/bundle_postcodes.py")
    frame = gpd.read_parquet(BUNDLE)
    return frame.set_index("postcode", drop=False)


@dataclass(frozen=True)
class Alias:
    alias: str
    code: str
    name: str
    source: str
    note: str = ""


@lru_cache(maxsize=1)
def aliases() -> tuple[Alias, ...]:
    """The bundled aliases (``aliases.yaml``), each naming its area by CBS code."""
    from ..yamlsafe import load

    document = load(ALIASES.read_text("utf-8"))
    found = []
    for entry in document.get("aliases", []):
        code = str(entry["code"]).upper()
        if level_of(code) is None:
            raise WijkkompasError(f"{ALIASES}: alias {entry['alias']!r} names {code!r}, "
                                  "which is not a CBS area code")
        found.append(Alias(alias=str(entry["alias"]), code=code, name=str(entry["name"]),
                           source=str(entry["source"]), note=str(entry.get("note", ""))))
    return tuple(found)


@lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    """Per place (normalised) and gemeente code: the inhabitants, from the postcode table.

    The gemeente is the one of 2024 that holds most of each postcode's area (computed
    when the bundle is built), so a place finds today's gemeente whatever the file calls
    it (``Hengelo`` for CBS's ``Hengelo (O.)``, ``Boxmeer`` now in Land van Cuijk)."""
    table = postcodes()[["plaats", "gemeente_code", "inwoners"]].dropna(
        subset=["plaats", "gemeente_code"])
    table = table.assign(key=table["plaats"].map(normalise),
                         inwoners=table["inwoners"].astype(float).fillna(0.0))
    return (table.groupby(["key", "gemeente_code"], as_index=False)["inwoners"].sum()
                 .sort_values(["key", "inwoners"], ascending=[True, False]))


@dataclass
class SearchTerms:
    """What a search text means besides the text itself (for :meth:`Store.areas`).

    ``gemeenten``: codes of the gemeenten of places called so, most inhabitants first;
    ``prefix_gemeenten``: of places whose name starts with the text as a whole word
    (``Hengelo`` -> ``Hengelo (Gld)`` in Bronckhorst); ``codes``: the areas aliases called
    so name.
    """

    text: str
    key: str
    gemeenten: list[str] = field(default_factory=list)
    prefix_gemeenten: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def search_terms(text: str) -> SearchTerms:
    """The gemeenten of places and the areas of aliases that ``text`` names."""
    key = normalise(text)
    terms = SearchTerms(text=text, key=key)
    if len(key) < 2:
        return terms
    places = _places()
    exact = places[places["key"] == key]
    terms.gemeenten = list(dict.fromkeys(exact["gemeente_code"]))
    if len(key) >= 3:
        prefix = places[places["key"].str.startswith(key + " ")]
        prefix = prefix.sort_values("inwoners", ascending=False)
        terms.prefix_gemeenten = [g for g in dict.fromkeys(prefix["gemeente_code"])
                                  if g not in terms.gemeenten]
    terms.codes = [a.code for a in aliases() if normalise(a.alias) == key]
    return terms


# -- a postcode's areas ----------------------------------------------------------------------

@dataclass
class PostcodeAreas:
    """The areas a postcode covers: ``table`` has the columns of :meth:`Store.areas`
    plus ``share`` (of the postcode's area, per level; areas under :data:`MIN_SHARE`
    left out) and ``share_residents`` (of its residents, estimated: see
    :func:`resident_shares`; empty where the store has no inhabitants per buurt);
    ``vintages`` the boundary vintage used per level; ``notes`` what the user should know
    (levels without boundaries, the part of the postcode outside); ``residents`` in words
    what ``share_residents`` rests on (the buurten, vintage and period of the
    inhabitants), or why it is empty."""

    postcode: str
    plaats: str
    gemeente: str
    inwoners: int | None
    area_km2: float
    table: pd.DataFrame
    vintages: dict[str, int]
    notes: list[str]
    residents: str = ""


def postcode_info(text: str) -> pd.Series:
    """The bundled row of a postcode (``2526``, ``2526 AB``); unknown raise a clear error."""
    digits = parse_postcode(text)
    if digits is None:
        raise UnknownPostcodeError(f"{text!r} is not a Dutch postcode (four digits, "
                                   "optionally with two letters: 2526 or 2526 AB)")
    table = postcodes()
    if digits not in table.index:
        raise UnknownPostcodeError(f"postcode {digits} does not exist (it is not in CBS's "
                                   "postcode map of 2020)")
    return table.loc[digits]


def postcode_areas(store: Store, text: str, *, vintage: int | None = None,
                   levels: tuple[str, ...] | list[str] = LEVELS) -> PostcodeAreas:
    """The gemeenten, wijken and buurten postcode ``text`` covers, with their shares.

    Per level the boundary vintage is ``vintage`` if given, otherwise the newest vintage
    in the store whose areas cover at least half of the postcode (the newest buurt
    boundaries may cover one city only).
    """
    row = postcode_info(text)
    digits = str(row["postcode"])
    shape = row.geometry
    people = None if pd.isna(row["inwoners"]) else int(row["inwoners"])
    if shape is None or shape.is_empty:
        raise UnknownPostcodeError(f"postcode {digits} has no area in the CBS postcode map "
                                   "(CBS publishes no shape for it), so its wijken and "
                                   "buurten cannot be found")
    total = float(shape.area)
    frames, vintages, notes = [], {}, []
    for level in levels:
        candidates = _boundary_vintages(store, level)
        if vintage is not None:
            candidates = [v for v in candidates if v == int(vintage)]
        if not candidates:
            notes.append(f"no {level} boundaries" + (f" of {vintage}" if vintage else "")
                         + " in the store")
            continue
        best: tuple[float, int, pd.DataFrame] | None = None
        for candidate in candidates:
            found = _overlay(store, level, candidate, shape)
            cover = float(found["piece"].sum()) / total if len(found) else 0.0
            if best is None or cover > best[0]:
                best = (cover, candidate, found)
            if cover >= MIN_COVER:
                break
        assert best is not None
        covered, year, pieces = best
        if not len(pieces):
            notes.append(f"no {level} of {year} overlaps postcode {digits}")
            continue
        pieces["share"] = pieces["piece"] / total
        outside = 1.0 - covered
        small = pieces["share"] < MIN_SHARE
        if small.any():
            notes.append(f"{level} {year}: {int(small.sum())} areas with less than "
                         f"{MIN_SHARE:.0%} of the postcode left out (together "
                         f"{_percent(pieces.loc[small, 'share'].sum())})")
        if outside > 0.02:
            notes.append(f"{level} {year}: {outside:.0%} of the postcode lies outside the "
                         f"{level} boundaries of {year} (water, or boundaries that cover only "
                         "part of the country)")
        vintages[level] = year
        frames.append(pieces[~small])
    columns = ["code", "vintage", "name", "level", "wijk_code", "gemeente_code", "share",
               "share_residents"]
    if not frames:
        hint = ("load boundaries first (wijkkompas demo, or wijkkompas ingest a boundary "
                "file)" if store.boundary_counts().empty else "the store's boundaries of those levels and "
                "vintages cover other parts of the country"
                + (" (try without --vintage)" if vintage is not None else ""))
        raise WijkkompasError(f"no boundaries in the store overlap postcode {digits} ("
                              + "; ".join(notes) + f"): {hint}")
    table = pd.concat(frames, ignore_index=True)
    order = table["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    table = table.assign(_order=order).sort_values(["_order", "share"],
                                                   ascending=[True, False])
    table = table.drop(columns=["_order", "piece"]).reset_index(drop=True)
    shares, residents = resident_shares(store, shape, table, prefer=vintages.get("buurt"))
    table["share_residents"] = shares
    return PostcodeAreas(postcode=digits, plaats=_text(row["plaats"]),
                         gemeente=_text(row["gemeente"]), inwoners=people,
                         area_km2=total / 1e6, table=table[columns], vintages=vintages,
                         notes=notes, residents=residents)


def resident_shares(store: Store, shape, table: pd.DataFrame, *, prefer: int | None = None,
                    level: str = "buurt") -> tuple[pd.Series, str]:
    """The share of the postcode's residents in each area of ``table``, estimated by
    areal weighting with the buurten's population density; and in words what it rests on.

    Formula. With ``P`` the postcode's polygon, ``b`` the buurten of one vintage that
    overlap it, ``n_b`` a buurt's inhabitants (indicator ``inwoners`` of that same vintage,
    one period for all) and ``|.|`` an area in m2, the residents of a part ``X`` of the
    postcode are estimated as ``R(X) = sum_b n_b * |X & b| / |b|``, and an area ``a``'s
    share of them as ``R(P & a) / R(P)``. For a buurt of that vintage this is
    ``n_a * |P & a| / |a|`` over ``R(P)``; a gemeente or wijk (or a buurt of another
    vintage) takes the buurt pieces that lie in it.

    Assumption: residents are spread evenly within each buurt (uniform density; a buurt
    whose people live on one side of it, beside a park or water, gets an even spread).
    The postcode's own inhabitants are not used: only their distribution over the
    buurten is estimated. ``R`` is tobler's extensive ``area_interpolate`` with
    ``allocate_total=False``; ``tests/test_against_tobler.py`` compares the shares with
    it on real postcodes (equal to 1e-5; the density's own areas take their own piece
    only, where tobler would add a neighbour's density over overlapping boundaries).

    Empty (NaN), with the reason, when no buurt vintage in the store covers at least
    :data:`MIN_COVER` of the postcode with an inhabitants figure for every buurt that
    holds at least :data:`MIN_SHARE` of it; never a made-up figure. Buurten under
    :data:`MIN_SHARE` without one are left out (they are left out of the table too),
    and the text counts them. ``prefer``: the vintage tried first (the table's buurten);
    ``level`` is the areas whose density is used (the buurten; a coarser level only for
    tests of the formula).
    """
    import shapely

    empty = pd.Series(np.nan, index=table.index, dtype=float)
    total = float(shape.area)
    candidates = _boundary_vintages(store, level)
    if prefer in candidates:
        candidates = [int(prefer)] + [v for v in candidates if v != prefer]
    why = [f"the store has no {level} boundaries"] if not candidates else []
    for vintage in candidates:
        bounds = _boundaries(store, level, vintage)
        hits = bounds["tree"].query(shape, predicate="intersects")
        pieces = shapely.intersection(bounds["geometry"][hits], shape)
        inside = shapely.area(pieces)
        keep = inside > 0
        codes, pieces, inside = bounds["codes"][hits][keep], pieces[keep], inside[keep]
        whole = shapely.area(bounds["geometry"][hits][keep])
        if inside.sum() / total < MIN_COVER:
            continue
        figures = bounds["inwoners"]
        figures = figures[figures["area_code"].isin(codes) & figures["value"].notna()
                          & ~figures["status"].isin(["missing", "suppressed"])]
        needed = set(codes[inside / total >= MIN_SHARE])
        periods = [p for p, f in figures.groupby("period") if needed <= set(f["area_code"])]
        if not periods:
            why.append(f"the store has inhabitants for {len(needed & set(figures['area_code']))}"
                       f" of the {len(needed)} {level} areas of {vintage} in the postcode")
            continue
        period = max(periods, key=lambda p: (str(p)[:4], str(p)))
        people = figures[figures["period"] == period].set_index("area_code")["value"]
        known = np.isin(codes, people.index)
        density = people.reindex(codes[known]).to_numpy(dtype=float) / whole[known]
        pieces = pieces[known]
        residents = density * shapely.area(pieces)
        if residents.sum() <= 0:
            why.append(f"the {level} areas of {vintage} in the postcode have no inhabitants")
            continue
        shares = empty.copy()
        own_pieces = dict(zip(codes[known], residents, strict=True))
        for key, group in table.groupby(["level", "vintage"]):
            if (str(key[0]), int(key[1])) == (level, vintage):
                # the density's own areas: their own piece only (generalised boundaries
                # overlap a little, and a neighbour's density must not leak in)
                shares[group.index] = [own_pieces.get(c, np.nan) / residents.sum()
                                       for c in group["code"]]
                continue
            other = _boundaries(store, str(key[0]), int(key[1]))
            where = dict(zip(other["codes"], other["geometry"], strict=True))
            for i, code in zip(group.index, group["code"], strict=True):
                geom = where.get(code)
                if geom is not None:
                    part = shapely.area(shapely.intersection(pieces, geom))
                    shares[i] = float((density * part).sum() / residents.sum())
        left = int((~known).sum())
        return shares, (f"inhabitants per {level} of {vintage} ({period}), spread evenly "
                        f"within each {level}" + (f"; {left} {level} slivers without a "
                                                  "figure left out" if left else ""))
    return empty, "not estimated: " + ("; ".join(why) or f"no {level} boundaries of the "
                                       "store cover the postcode")


def _overlay(store: Store, level: str, vintage: int, shape) -> pd.DataFrame:
    """The areas of one level and vintage that overlap ``shape``, with the overlap (m2)."""
    import shapely

    bounds = _boundaries(store, level, vintage)
    geoms = bounds["geometry"]
    hits = bounds["tree"].query(shape, predicate="intersects")
    if not len(hits):
        return pd.DataFrame(columns=["code", "piece"])
    overlap = shapely.area(shapely.intersection(geoms[hits], shape))
    positive = overlap > 0
    if not positive.any():
        return pd.DataFrame(columns=["code", "piece"])
    codes = bounds["codes"][hits][positive]
    named = [bounds["names"].get(c, (None, None, None)) for c in codes]
    return pd.DataFrame({
        "code": codes, "piece": overlap[positive], "vintage": int(vintage),
        "name": [n[0] for n in named], "level": level, "wijk_code": [n[1] for n in named],
        # a code without a stored gemeente (a gemeente itself, a buurt of a file without
        # parents) takes the gemeente its code names
        "gemeente_code": [n[2] if isinstance(n[2], str) else gemeente_of(c)
                          for n, c in zip(named, codes, strict=True)]})


def prepare(store: Store) -> None:
    """Read what a search and a postcode's areas read first, kept per process (and per
    state of the store's file): the bundled postcode areas and their places, and per
    level the boundaries (with their names and inhabitants) of the vintages a postcode
    tries: newest first, down to the first that has as many areas as the level's widest
    vintage (newer ones may cover one city). A server does it before its first visitor
    searches (the first search took 0.4 s, the first postcode 0.7 s; the next 0.03 s)."""
    _places()
    counts = store.boundary_counts().set_index(["level", "vintage"])["n"]
    for level in LEVELS:
        widest = counts[level].max() if level in counts.index.get_level_values(0) else 0
        for vintage in _boundary_vintages(store, level):
            _boundaries(store, level, vintage)
            if counts[(level, vintage)] >= widest:
                break


def _boundaries(store: Store, level: str, vintage: int) -> dict:
    """One level's boundaries (codes and shapes, RD New), cached per store file state."""
    return _cached_boundaries(str(store.path), _stamp(store), level, int(vintage))


def _stamp(store: Store) -> int:
    """The state of the store's file that the caches below are kept for: every committed
    write changes its modification time."""
    return store.path.stat().st_mtime_ns if store.path.is_file() else 0


@lru_cache(maxsize=16)
def _cached_boundaries(path: str, stamp: int, level: str, vintage: int) -> dict:
    import shapely

    from ..store import Store

    store = Store(Path(path).parent)
    frame = store.boundaries(level, vintage)
    geoms = frame.geometry.to_numpy()
    keep = ~shapely.is_empty(geoms)
    shapes = np.asarray(geoms[keep])
    codes = frame["code"].to_numpy()[keep]
    # names and parents, and inhabitants, of the whole level: a postcode asks for a few
    # areas, and a query per postcode and level was most of a search's time
    names = {r.code: (r.name, r.wijk_code, r.gemeente_code)
             for r in store.named(list(codes), vintage).itertuples(index=False)}
    people = store.observations(indicators=["inwoners"], level=level, vintage=vintage,
                                with_names=False)
    return {"codes": codes, "geometry": shapes, "tree": shapely.STRtree(shapes),
            "names": names, "inwoners": people}


def _boundary_vintages(store: Store, level: str) -> list[int]:
    """The boundary vintages of ``level``, newest first, per store file state."""
    return _cached_vintages(str(store.path), _stamp(store), level)


@lru_cache(maxsize=16)
def _cached_vintages(path: str, stamp: int, level: str) -> list[int]:
    from ..store import Store

    return [int(v) for v in Store(Path(path).parent).boundary_vintages(level)["vintage"]]


def _percent(share: float) -> str:
    return "less than 0.1%" if share < 0.001 else f"{share:.1%}"


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
