"""The web application's facade over the Python API: one object per app, with caches.

Assumptions
-----------
- The store is read-only while the app serves it; DuckDB allows one writer, so every
  query opens a read-only connection (the :class:`~wijkkompas.store.Store` does) and a
  ``wijkkompas ingest`` can run beside the server. When the store file changes (its
  modification time), or the results of its data are built after the app first looked,
  every cache is dropped, checked at most once a second; an app made by ``serve`` then
  reads the new results and renders the plans' reports again ahead of the requests.
- Scoring a level takes about a second from scratch, scoring one more period of the same
  inputs about 0.1 s: the inputs are read once and each (level, period, method) result
  is kept, so no request in a hot path scores anything twice.
- Geometry is cached per (level, vintage) as gzipped GeoJSON with an ETag; values are
  served apart from it, so a browser downloads a boundary layer once. A grid level's
  layer (up to 420,000 cells: some 110 MB) is also served by parts, the cells of a box
  in RD New (:meth:`Layer.within`), filtered from the same cached features by the
  corners their codes give: the map fetches tiles of :data:`TILE_CELLS` cells a side.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..catalog import DOMAINS, load_catalog
from ..errors import WijkkompasError
from ..geo.codes import COUNTRY, GRID_LEVELS, gemeente_of, wijk_of
from ..settings import settings
from ..store import Store
from ..store.names import AreaIndex
from .errors import BadRequest, NotFound
from .i18n import N_, gettext

if TYPE_CHECKING:
    from ..analysis.inputs import Inputs

MAP_LEVELS = ("gemeente", "wijk", "buurt", *GRID_LEVELS)
SCORE_METHODS = ("zscore", "robust_z", "percentile", "imd", "index")
# "national": classes of the whole reference group of the level and period (the default;
# the same when drilling down); the others over the areas on screen
CLASSIFICATIONS = ("national", "quantiles", "fisher_jenks", "equal_interval")
CLASSIFICATION_NAMES = {"national": N_("National classes (tenths of the Netherlands)"),
                        "quantiles": N_("Quantiles (equal counts)"),
                        "fisher_jenks": N_("Natural breaks (Fisher-Jenks)"),
                        "equal_interval": N_("Equal intervals")}
# 5 decimals of a degree are about 1 m: far below what a simplified boundary shows
COORD_DIGITS = 5


# PDF reports: at most $WIJKKOMPAS_PDF_CONCURRENCY rendered at once per process (WeasyPrint takes
# seconds and much memory per report); a request waits at most PDF_WAIT seconds for a
# turn, then gets 503. Rendered reports are kept per plan version (PDF_CACHE of them).
PDF_WAIT = 60.0
PDF_CACHE = 32


# the map fetches a grid level's cells by tiles of TILE_CELLS x TILE_CELLS cells on the
# grid's own lines (10 km for 100 m cells, 50 km for 500 m ones): the same few addresses
# for every visitor (cacheable), each cell in exactly one tile, at most 10,000 a tile
TILE_CELLS = 100


@dataclass
class Layer:
    """One boundary layer served as GeoJSON: ``features``, one GeoJSON Feature (text) per
    area; for grid cells ``corners``, each cell's south-west corner and size (RD New
    metres, from its code). The whole collection is made on first use (a map at a grid
    level asks for parts only)."""

    level: str
    vintage: int
    features: list[str]
    etag: str
    codes: frozenset
    corners: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @cached_property
    def raw(self) -> bytes:
        return self.collection(self.features)

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.raw, 6)

    def collection(self, features: list[str]) -> bytes:
        return (f'{{"type":"FeatureCollection","level":{json.dumps(self.level)},'
                f'"vintage":{int(self.vintage)},"features":[{",".join(features)}]}}').encode()

    def within(self, box: tuple[float, float, float, float]) -> bytes:
        """The collection of the cells whose squares overlap the RD New box ``(minx, miny,
        maxx, maxy)`` (metres) with some area: ``x0 < maxx``, ``x0 + size > minx``, and the
        same for y. A box on the grid's lines takes whole cells only, so boxes that tile
        the plane give each cell once."""
        if self.corners is None:
            raise BadRequest(f"bbox selects grid cells; {self.level} boundaries are served "
                             "whole")
        minx, miny, maxx, maxy = box
        if not (minx < maxx and miny < maxy):
            raise BadRequest("bbox is minx,miny,maxx,maxy with minx < maxx and miny < maxy")
        x0, y0, size = self.corners
        hit = np.flatnonzero((x0 < maxx) & (x0 + size > minx) & (y0 < maxy)
                             & (y0 + size > miny))
        return self.collection([self.features[i] for i in hit])


class LRU(OrderedDict):
    """At most ``size`` values, least recently used out. :meth:`get_or` makes a missing
    value once: threads asking for a key that another is making wait for its value (or
    its error) instead of making it again (a plan's page and document after a save, in
    several threads at once)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.lock = threading.Lock()
        self._making: dict = {}  # key -> Future of the value being made

    def get_or(self, key, make):
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
            making: Future | None = self._making.get(key)
            if making is None:
                mine = self._making[key] = Future()
        if making is not None:
            return making.result()
        try:
            value = make()
        except BaseException as exc:
            with self.lock:
                del self._making[key]
            mine.set_exception(exc)
            raise
        with self.lock:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)
            del self._making[key]
        mine.set_result(value)
        return value


class Ahead:
    """Work done ahead of the requests that will need it (a plan's PDF report after a
    save, the caches and reports when ``serve`` starts and when new data arrive): one
    daemon thread running tasks in order, tasks asked for later (:meth:`submit_after`)
    when they are due, and ``idle()`` (looking for new data) every ``every`` seconds
    without a task, so that new data are read before a visitor asks. A task that fails
    is dropped: the request that needs its result does the work and says why. Daemon, so
    a server stops without waiting for a report nobody asked for."""

    _WAKE = object()  # a later task was asked for: look again when the next one is due

    def __init__(self, idle: Callable[[], None] | None = None, every: float = 5.0) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._later: dict = {}  # key -> (due, task, args)
        self._later_lock = threading.Lock()
        self._idle = idle
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wijkkompas-ahead",
                                        daemon=True)
        self._thread.start()

    def submit(self, task, *args) -> None:
        self._tasks.put((task, args))

    def submit_after(self, key, delay: float, task, *args) -> None:
        """Run ``task(*args)`` once ``delay`` seconds have passed without another call with
        the same ``key`` (each call starts the wait again, with its own arguments): a
        plan saved again within seconds has its report rendered once, for the version
        that stood."""
        with self._later_lock:
            self._later[key] = (time.monotonic() + delay, task, args)
        self._tasks.put(self._WAKE)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        """The app is shutting down: a long task (a report's render) gives up."""
        return self._stopped.is_set()

    def stop(self, wait: float = 10.0) -> None:
        """Run no further task; wait up to ``wait`` seconds for the one running (the app's
        shutdown: a thread killed inside DuckDB or WeasyPrint at exit aborts the process)."""
        self._stopped.set()
        self._tasks.put(None)
        self._thread.join(wait)

    def _due(self) -> tuple[list, float | None]:
        """The later tasks that are due (taken out), and when the next one is."""
        now = time.monotonic()
        with self._later_lock:
            due = [key for key, (at, _, _) in self._later.items() if at <= now]
            ready = [self._later.pop(key)[1:] for key in due]
            upcoming = min((at for at, _, _ in self._later.values()), default=None)
        return ready, upcoming

    def _run(self) -> None:
        quiet_since = time.monotonic()
        while not self._stopped.is_set():
            ready, upcoming = self._due()
            for task, args in ready:
                self._do(task, args)
            now = time.monotonic()
            wait = self._every - (now - quiet_since)
            if upcoming is not None:
                wait = min(wait, upcoming - now)
            try:
                item = self._tasks.get(timeout=max(wait, 0.0))
            except queue.Empty:
                if time.monotonic() - quiet_since >= self._every:
                    if self._idle is not None:
                        self._do(self._idle, ())
                    quiet_since = time.monotonic()
                continue
            if item is None or item is self._WAKE:
                continue
            self._do(*item)
            quiet_since = time.monotonic()

    def _do(self, task, args) -> None:
        if self._stopped.is_set():
            return
        with contextlib.suppress(Exception):
            task(*args)


def require_store(store: Store) -> Store:
    if not store.exists:
        raise WijkkompasError(f"no store at {store.directory}: load data first (wijkkompas "
                              "demo --no-serve, or wijkkompas ingest PATH)")
    return store


class WebData:
    """Everything the pages and the API read, with caches (one instance per app)."""

    def __init__(self, store_dir: Path | str | None = None, *, scheme_file=None):
        self.store = require_store(Store(store_dir))
        self.catalog = load_catalog()
        from ..schemes import load_scheme

        self.scheme = load_scheme(scheme_file, self.catalog)
        self._lock = threading.RLock()
        self._services: dict = {}
        self._services_lock = threading.RLock()  # not _lock: held while scores compute
        self._stamp: int | None = self._store_stamp()  # the store file's mtime (ns)
        self._checked = 0.0
        # set by create_app(warm=True), as `serve` makes it: reports rendered ahead, and
        # what to do ahead when new data arrive (read their results, render the reports)
        self.ahead: Ahead | None = None
        self.on_new_data: Callable[[], None] | None = None
        self.generation = 0  # counts the states of the data this app has served
        self._reset()

    # -- cache lifetime -----------------------------------------------------------------

    def _reset(self) -> None:
        self._inputs: Inputs | None = None
        self._results: tuple[str, dict] | None = None  # (key, manifest) of stored results
        self._scores: dict = {}
        self._layers: dict = {}
        self._trees: dict = {}
        self._by_area: dict[tuple, tuple[pd.DataFrame, dict]] = {}
        self._availability = None
        self._boundary_index: dict[str, dict[int, frozenset]] | None = None
        self._areas_index = None
        self._names: AreaIndex | None = None
        self.profiles = LRU(4096)
        self.misc = LRU(256)
        # per plan and version: a busy day of edits must not push the rest out of misc
        self.plan_cache = LRU(1024)
        self.pdf_cache = LRU(PDF_CACHE)
        self.pdf_slots = threading.BoundedSemaphore(
            max(1, settings().pdf_concurrency))

    def service(self, name: str, make):
        """A long-lived object made once per app (the plans database, the accounts): kept
        out of the LRU caches, where eviction would open the database again."""
        found = self._services.get(name)
        if found is None:
            with self._services_lock:
                if name not in self._services:
                    self._services[name] = make()
                found = self._services[name]
        return found

    @property
    def stamp(self) -> int | None:
        """The store file's modification time (ns) when this app last looked: the same in
        every worker serving the same data (:mod:`~wijkkompas.web.shared`)."""
        return self._stamp

    def _store_stamp(self) -> int | None:
        try:
            return self.store.path.stat().st_mtime_ns
        except OSError:  # replaced this instant, or gone: the next look decides
            return None

    def check_fresh(self) -> None:
        """Drop every cache when the store file changed, or when the results of its data
        were not built at the app's first look and are now (``ingest`` writes the figures,
        then builds), at most one look a second; then call ``on_new_data``."""
        from ..analysis.results import is_built

        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        self._checked = now
        stamp = self._store_stamp()
        if stamp is None:
            return
        looked = self._results
        built_since = (looked is not None and not looked[1] and bool(looked[0])
                       and is_built(self.store, looked[0]))
        if stamp == self._stamp and not built_since:
            return
        with self._lock:
            self._stamp = stamp
            self.generation += 1
            self._reset()
        if self.on_new_data is not None:
            self.on_new_data()

    # -- what exists --------------------------------------------------------------------

    def availability(self) -> pd.DataFrame:
        """Per indicator, level, period and vintage: the number of figures with a value."""
        with self._lock:
            if self._availability is None:
                self._availability = self.store.figure_counts()
            return self._availability

    def indicator_periods(self, indicator: str, level: str) -> list[str]:
        if indicator == "vulnerability" or indicator.startswith("domain_"):
            return self.score_periods(level)
        a = self.availability()
        return sorted(a.loc[(a["indicator"] == indicator) & (a["level"] == level),
                            "period"].unique().tolist())

    def availability_within(self, level: str, within: str) -> pd.DataFrame:
        """:meth:`availability` of the areas of ``level`` in one gemeente or wijk (cached
        per level and area)."""
        def make():
            return self.store.figure_counts(level, within)
        return self.misc.get_or(("availability_within", level, within), make)

    def area_periods(self, indicator: str, level: str, within: str | None) -> list[str]:
        """The periods with a figure (or a score) of ``indicator`` for the areas of
        ``level`` on screen: in ``within`` (a gemeente or wijk code), or in the whole
        country when None. What the map form offers, and where a period falls back to."""
        if not within:
            return self.indicator_periods(indicator, level)
        if indicator == "vulnerability" or indicator.startswith("domain_"):
            return self.misc.get_or(("score_area_periods", indicator, level, within),
                                    lambda: self._score_area_periods(indicator, level, within))
        a = self.availability_within(level, within)
        return sorted(a.loc[a["indicator"] == indicator, "period"].unique().tolist())

    def area_counts(self, indicator: str, level: str, within: str | None) -> dict[str, int]:
        """Per period the number of figures of ``indicator`` for the areas on screen."""
        if within:
            a = self.availability_within(level, within)
            a = a[a["indicator"] == indicator]
        else:
            a = self.availability()
            a = a[(a["indicator"] == indicator) & (a["level"] == level)]
        return {str(p): int(n) for p, n in a.groupby("period")["n"].sum().items()}

    def _score_area_periods(self, indicator: str, level: str, within: str) -> list[str]:
        out = []
        for period in self.score_periods(level):
            table = self.scores(level, period).table
            table = table[(table["gemeente_code"] == within) | (table["wijk_code"] == within)]
            # the composite map shows a domain score when no area has a composite
            columns = ([indicator] if indicator != "vulnerability" else
                       ["vulnerability"] + [f"domain_{d}" for d in self.scheme.domains])
            if table[columns].notna().to_numpy().any():
                out.append(period)
        return out

    def map_indicators(self, level: str, language: str,
                       within: str | None = None) -> list[dict]:
        """Indicators with figures at ``level`` (in ``within`` when given: the area on
        screen), grouped by domain, scores first."""
        if within:
            present = set(self.availability_within(level, within)["indicator"])
        else:
            a = self.availability()
            present = set(a.loc[a["level"] == level, "indicator"])
        scores = [s for s in ["vulnerability"] + [f"domain_{d}" for d in self.scheme.domains]
                  if not within or self.area_periods(s, level, within)]
        groups = [{"domain": "scores", "label": gettext(language, N_("Scores")),
                   "items": [{"id": s, "label": _score_label(s, language)} for s in scores]}]
        groups = [g for g in groups if g["items"]]
        for domain, labels in DOMAINS.items():
            items = sorted(({"id": i.id, "label": i.label(language)} for i in self.catalog
                            if i.domain == domain and i.id in present),
                           key=lambda x: x["label"].lower())
            if items:
                groups.append({"domain": domain, "label": labels[language], "items": items})
        return groups

    def check_indicator(self, indicator: str) -> None:
        if indicator == "vulnerability":
            return
        if indicator.startswith("domain_"):
            if indicator[len("domain_"):] not in self.scheme.domains:
                raise NotFound(f"unknown domain score {indicator!r}; the scheme has "
                               + ", ".join(f"domain_{d}" for d in self.scheme.domains))
            return
        if indicator not in self.catalog:
            raise NotFound(f"unknown indicator {indicator!r} (see /api/indicators)")

    # -- scores -------------------------------------------------------------------------

    def _score_inputs(self):
        from ..analysis.inputs import Inputs, load_inputs

        with self._lock:
            if self._inputs is None:
                self._inputs = Inputs(*load_inputs(self.store, self.scheme),
                                      population=self.scheme.population)
            return self._inputs

    def stored_results(self) -> tuple[str, dict] | None:
        """The key and manifest of the scores stored for the store's current data, this
        scheme and catalog (:mod:`wijkkompas.analysis.results`), or None when they are not
        built; asked once per state of the store (the data version costs a query)."""
        from ..analysis import results

        with self._lock:
            if self._results is None:
                key = results.results_key(self.store, self.catalog, self.scheme)
                self._results = (key, results.manifest(self.store, self.catalog,
                                                       self.scheme) or {})
            return self._results if self._results[1] else None

    @property
    def results_read(self) -> tuple[str, dict] | None:
        """The key and manifest :meth:`stored_results` read for this state of the store
        (an empty manifest: none built), without reading them; None before it looks."""
        return self._results

    def score_periods(self, level: str) -> list[str]:
        """Periods with any score at ``level``: a composite or a domain score (a period
        with domain scores only is shown with the engine's statement, never ranked)."""
        return [p for p, _ in self._period_kinds(level)]

    def composite_periods(self, level: str) -> list[str]:
        """Periods in which some area of ``level`` has a composite vulnerability."""
        return [p for p, composite in self._period_kinds(level) if composite]

    def _period_kinds(self, level: str) -> list[tuple[str, bool]]:
        """(period, has a composite) for every period with any score at ``level``."""
        built = self.stored_results()
        if built is not None and level in built[1]["levels"]:
            return [(str(p), bool(c)) for p, c in built[1]["levels"][level]["periods"]]

        def make():
            inputs = self._score_inputs()
            out = []
            for period in sorted(inputs.periods):
                try:
                    table = self.scores(level, str(period)).table
                except WijkkompasError:
                    continue
                columns = ["vulnerability"] + [c for c in table.columns
                                               if c.startswith("domain_")]
                if table[columns].notna().to_numpy().any():
                    out.append((str(period), bool(table["vulnerability"].notna().any())))
            return out
        return self.misc.get_or(("score_periods", level), make)

    def default_score_period(self, level: str) -> str:
        """The period shown first: the engine's own choice (``score_frame(period=None)``:
        the latest peiljaar whose score has composites, else the latest with figures),
        or the latest period with domain scores when that choice has none."""
        built = self.stored_results()
        if built is not None and level in built[1]["levels"]:
            periods = self.score_periods(level)
            if not periods:
                raise NotFound(f"no scores at level {level}: no period has a domain score "
                               "of the scheme")
            chosen = built[1]["levels"][level]["default"]
            return chosen if chosen in periods else periods[-1]

        def make():
            from ..analysis.engine import score_frame

            periods = self.score_periods(level)
            if not periods:
                raise NotFound(f"no scores at level {level}: no period has a domain score "
                               "of the scheme")
            try:
                result = score_frame(self._score_inputs(), None, self.catalog, self.scheme,
                                     level=level, period=None)
            except WijkkompasError:
                chosen = None
            else:
                chosen = result.period
                with self._lock:  # the page asks for this score next: keep it
                    self._scores.setdefault((level, str(chosen), None), result)
            return chosen if chosen in periods else periods[-1]
        return self.misc.get_or(("default_period", level), make)

    def scores(self, level: str, period: str | None = None, method: str | None = None):
        """The :class:`ScoreResult` for every area of a level (cached)."""
        from ..analysis.engine import score_frame

        if level not in MAP_LEVELS:
            raise BadRequest(f"level must be one of {', '.join(MAP_LEVELS)}")
        if method is not None and method not in SCORE_METHODS:
            raise BadRequest(f"method must be one of {', '.join(SCORE_METHODS)}")
        if period is None:
            period = self.default_score_period(level)
        key = (level, str(period), method)
        with self._lock:
            if key in self._scores:
                return self._scores[key]
        built = self.stored_results() if method is None else None
        if built is not None:
            from ..analysis.results import stored

            found = stored(self.store, self.catalog, self.scheme, level, str(period),
                           key=built[0])
            if found is not None:
                with self._lock:
                    self._scores[key] = found
                return found
        inputs = self._score_inputs()
        if str(period) not in inputs.periods:
            raise NotFound(f"no figures of the scheme for period {period!r}")
        result = score_frame(inputs, None, self.catalog, self.scheme, level=level,
                             period=str(period), method=method)
        with self._lock:
            self._scores[key] = result
        return result

    # -- areas --------------------------------------------------------------------------

    def names(self):
        """The store's areas in memory (:class:`~wijkkompas.store.names.AreaIndex`): the
        search and the area of every page find areas there, as the store would, without
        opening the store file for each keystroke of the type-ahead."""
        with self._lock:
            if self._names is None:
                self._names = AreaIndex(self.store)
            return self._names

    def area(self, code_or_name: str) -> pd.Series:
        from ..errors import UnknownAreaError

        try:
            return self.misc.get_or(("area", code_or_name.upper()),
                                    lambda: self.names().resolve_area(code_or_name))
        except UnknownAreaError as exc:
            raise NotFound(str(exc)) from None

    def area_figures(self, code: str, level: str) -> pd.DataFrame | None:
        """The area's newest figure per indicator (``Store.latest_figures``), from one
        read of its whole level per state of the store (:meth:`level_figures`); None for
        a level not read so (the country)."""
        if level not in MAP_LEVELS:
            return None
        return self._rows_of(self.level_figures(level), code)

    def level_figures(self, level: str) -> tuple[pd.DataFrame, dict]:
        """Every area's newest figure per indicator at ``level`` and each area's row
        positions, read once per state of the store (an uncached profile found them in
        three queries, about a quarter of its time)."""
        return self._by_area_of(("latest", level), lambda: self.store.latest_figures(level=level))

    def reference_values(self, code: str) -> dict:
        """:func:`wijkkompas.profile.reference_values` of a gemeente or the country, from
        one read of the figures of every gemeente and the country (68,000 figures)."""
        from ..profile import reference_values

        def every() -> pd.DataFrame:
            index = self.areas_index()
            codes = [*index.loc[index["level"] == "gemeente", "code"], COUNTRY]
            return self.store.observations(codes=codes, with_names=False)
        return self.misc.get_or(("reference-values", code), lambda: reference_values(
            self._rows_of(self._by_area_of(("references",), every), code)))

    def _by_area_of(self, key: tuple, read) -> tuple[pd.DataFrame, dict]:
        """The frame ``read()`` gives and the row positions of each of its areas (by
        ``area_code``), read once per state of the store."""
        kept = self._by_area.get(key)
        if kept is None:
            frame = read()
            kept = (frame, frame.groupby("area_code", sort=False).indices)
            with self._lock:
                self._by_area[key] = kept
        return kept

    @staticmethod
    def _rows_of(kept: tuple[pd.DataFrame, dict], code: str) -> pd.DataFrame:
        frame, positions = kept
        return frame.iloc[positions.get(code, [])]

    def areas_index(self) -> pd.DataFrame:
        """All areas (newest vintage per code) with names: for pickers and names."""
        with self._lock:
            if self._areas_index is None:
                frame = self.names().areas()
                frame = frame.sort_values("vintage").drop_duplicates("code", keep="last")
                self._areas_index = frame.set_index("code", drop=False)
            return self._areas_index

    def name_of(self, code: str | None) -> str:
        if not code:
            return ""
        if code == COUNTRY:
            return "Nederland"
        index = self.areas_index()
        return str(index.at[code, "name"]) if code in index.index else code

    def gemeenten(self) -> list[tuple[str, str]]:
        index = self.areas_index()
        g = index[index["level"] == "gemeente"].sort_values("name")
        return list(zip(g["code"], g["name"], strict=True))

    def levels(self) -> list[str]:
        """The levels the pages offer: the CBS indeling's always (a level without figures
        says so), a grid level only when the store has its cells."""
        stored = self.boundary_index()
        return [level for level in MAP_LEVELS if level not in GRID_LEVELS or level in stored]

    # -- boundaries ---------------------------------------------------------------------

    def boundary_index(self) -> dict[str, dict[int, frozenset]]:
        """Level -> boundary vintage -> the codes it has."""
        with self._lock:
            if self._boundary_index is None:
                frame = self.store.boundary_codes()
                index: dict = {}
                for (level, vintage), part in frame.groupby(["level", "vintage"]):
                    index.setdefault(level, {})[int(vintage)] = frozenset(part["code"])
                self._boundary_index = index
            return self._boundary_index

    def layer(self, level: str, vintage: int) -> Layer:
        """Simplified WGS84 boundaries of one level and vintage as cached GeoJSON."""
        import shapely

        from ..geo.grid import corners

        if vintage not in self.boundary_index().get(level, {}):
            raise NotFound(f"no {level} boundaries of {vintage} in the store; there are: "
                           + ", ".join(map(str, sorted(self.boundary_index().get(level, {})))))
        key = (level, vintage)
        with self._lock:
            if key in self._layers:
                return self._layers[key]
        grid = level in GRID_LEVELS
        frame = self.store.boundaries(level, vintage, display=True, parents=grid)
        geoms = shapely.transform(frame.geometry.values,
                                  lambda c: np.round(c, COORD_DIGITS))
        texts = shapely.to_geojson(geoms)
        if grid:  # a cell's code names no wijk or gemeente: those placed in at ingest
            gms, wks = frame["gemeente_code"].fillna(""), frame["wijk_code"].fillna("")
        else:
            gms = frame["code"].map(lambda c: gemeente_of(c) or "")
            wks = frame["code"].map(lambda c: wijk_of(c) or "")
        parts = []
        digest = hashlib.sha1(f"{level}/{vintage}".encode())
        for code, name, gm, wk, text in zip(frame["code"], frame["name"].fillna(""), gms, wks,
                                            texts, strict=True):
            props = {"name": name or code, "gm": gm, "wk": wk}
            parts.append(f'{{"type":"Feature","id":{json.dumps(code)},'
                         f'"properties":{json.dumps(props, ensure_ascii=False)},'
                         f'"geometry":{text}}}')
            digest.update(parts[-1].encode())
        layer = Layer(level, vintage, parts, '"' + digest.hexdigest()[:20] + '"',
                      frozenset(frame["code"]),
                      corners(frame["code"].to_numpy()) if grid else None)
        with self._lock:
            self._layers[key] = layer
        return layer

    def geometry_rd(self, level: str, vintage: int):
        """RD New boundaries with a spatial index, for neighbours (cached)."""
        import shapely

        key = (level, vintage)
        with self._lock:
            if key in self._trees:
                return self._trees[key]
        frame = self.store.boundaries(level, vintage, display=True).to_crs(28992)
        tree = shapely.STRtree(frame.geometry.values)
        with self._lock:
            self._trees[key] = (frame.reset_index(drop=True), tree)
        return self._trees[key]

    def match_boundaries(self, level: str, vintage: int, codes) -> dict[int, list[str]]:
        """Assign each code to the nearest boundary vintage that has it (newer wins ties).

        Health figures are on the 2020 indeling, for which no boundary file exists: a
        code keeps its area across vintages (CBS gives a redrawn area a new code), so the
        nearest vintage with the same code draws it. The legend says which were used.
        """
        layers = self.boundary_index().get(level, {})
        order = sorted(layers, key=lambda v: (abs(v - vintage), -v))
        out: dict[int, list[str]] = {}
        for code in codes:
            for v in order:
                if code in layers[v]:
                    out.setdefault(v, []).append(code)
                    break
        return out

    def cell_buurt(self, code: str, wijk: str | None) -> str | None:
        """The buurt holding a grid cell's centre, among the buurten of ``wijk`` (the wijk
        the cell was placed in at ingest) on the newest buurt boundaries: the rule of
        :func:`~wijkkompas.geo.grid.containing_areas`, so that the buurt lies in that wijk
        (None without buurt boundaries of the wijk). The areas table keeps no buurt of a
        cell, so it is found here, once per cell (cached)."""
        from ..geo.grid import containing_areas

        if not wijk:
            return None

        def make():
            vintages = self.boundary_index().get("buurt", {})
            if not vintages:
                return None
            buurten = self.store.boundaries("buurt", max(vintages), within=wijk)
            found = containing_areas([code], buurten)["buurt_code"].iloc[0]
            return found if found and wijk_of(found) == wijk else None
        return self.misc.get_or(("cell-buurt", code), make)

    def neighbours(self, code: str, level: str, vintage: int | None = None) -> list[str]:
        """Codes of the areas of the same level whose boundaries touch this one (for a grid
        cell the stored cells among the 8 around it, read from its code)."""
        layers = self.boundary_index().get(level, {})
        candidates = [v for v in layers if code in layers[v]]
        if not candidates:
            return []
        v = min(candidates, key=lambda x: (abs(x - (vintage or x)), -x))
        if level in GRID_LEVELS:
            from ..geo.grid import adjacent

            return [c for c in adjacent(code) if c in layers[v]]
        frame, tree = self.geometry_rd(level, v)
        me = frame.index[frame["code"] == code]
        if not len(me):
            return []
        geom = frame.geometry.iloc[me[0]]
        # a 1 m buffer: simplified shared edges need not touch exactly
        hits = tree.query(geom.buffer(1.0), predicate="intersects")
        return [c for c in frame["code"].iloc[sorted(hits)] if c != code]


def _score_label(indicator: str, language: str) -> str:
    if indicator == "vulnerability":
        return gettext(language, N_("Vulnerability (composite)"))
    domain = DOMAINS[indicator[len("domain_"):]][language]
    return gettext(language, N_("Domain score {domain}")).format(domain=domain.lower())


score_label = _score_label
