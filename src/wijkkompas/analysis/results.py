"""Scores computed once, when the data change, and read many times.

:func:`build` scores every level and period of a store on a scheme (what the web pages
and ``wijkkompas score`` would otherwise compute on first use) and writes each
:class:`~wijkkompas.analysis.engine.ScoreResult` beside the store; :func:`stored` reads
one back, identical to scoring it again (``tests/test_results.py`` compares every level
and period). ``wijkkompas build`` runs it; ``ingest``, ``fetch`` and ``demo`` run it at
their end.

Never stale: results live under ``<store>/results/<data version>/<key>/``: the store's
data version (:func:`data_version`, a hash of its load history, which every ingest
extends) and a hash of everything else a score depends on (the wijkkompas version, the
layout of the results below, the scheme and the catalog, their full contents). New
data give another data version, so results of old data are never found again (the next
build removes them); several schemes keep their own results side by side. Beside the
keys, ``results/<data version>/inputs/`` is :mod:`.lookup`'s index from the digest of
the scheme and catalog files to a key, for ``wijkkompas score`` to read a stored table
without loading them.

Layout of one key's folder (written to a temporary folder and renamed into place, so a
reader sees a whole build or none)::

    manifest.json                       levels, periods with scores, default periods
    <level>/<period>.json               the result's notes, statement, measure, ...
    <level>/<period>.table.parquet      ScoreResult.table
    <level>/<period>.table.csv.gz       the same as csvsafe.to_csv writes it, what
                                        ``wijkkompas score`` prints (:mod:`.lookup`;
                                        not of grid levels)
    <level>/<period>.details.parquet    ScoreResult.details (explain)
    <level>/<period>.statistics.parquet, <level>/<period>.coverage.parquet
    <level>/panel/<period>.*            a period of the level's default score panel
                                        scored on the panel's vintage, where that is
                                        not the period's own (the manifest says which)

Only the scheme's own method is built (``--method`` and other vintages are scored live).
The levels built are the CBS indeling's three and each grid level whose cells the store
has (:func:`score_levels`); a level the scheme cannot score has no periods in the
manifest, and the pages say why in words.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..csvsafe import to_csv
from ..errors import WijkkompasError
from ..geo.codes import GRID_LEVELS
from .engine import ScoreResult, score_frame
from .inputs import SCORE_LEVELS, Inputs, default_periods, load_inputs
from .lookup import LAYOUT, MANIFEST, PANEL_DIR, RESULTS_DIR

FRAMES = ("table", "details", "statistics", "coverage")


def data_version(store) -> str:
    """The store's data version: a hash of its contents, the same for the same data
    however it was loaded (an ingest that adds nothing keeps it):
    :meth:`~wijkkompas.store.queries.StoreQueries.fingerprint`, about 0.1 s for two
    million figures, so it is computed once per state of the store's file (its inode,
    size and modification time, and those of its write-ahead log: every committed write
    changes them)."""
    if not store.exists:
        return "empty"
    stamps: list[tuple[int, int, int] | None] = []
    for path in (store.path, Path(f"{store.path}.wal")):
        try:
            found = path.stat()
        except OSError:
            stamps.append(None)
            continue
        stamps.append((found.st_ino, found.st_size, found.st_mtime_ns))
    key = (str(store.path), tuple(stamps))
    if key not in _VERSIONS:
        _VERSIONS[key] = store.fingerprint()
        while len(_VERSIONS) > 64:
            _VERSIONS.pop(next(iter(_VERSIONS)))
    return _VERSIONS[key]


_VERSIONS: dict[tuple, str] = {}  # (store file, its state) -> data version


def results_key(store, catalog, scheme) -> str:
    """The key of the results of ``scheme`` and ``catalog`` on the store's current data:
    ``<data version>/<hash of version, scheme and catalog>``."""
    parts = [__version__, str(LAYOUT), repr(scheme),
             repr(sorted((i.id, repr(i)) for i in catalog))]
    method = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:24]
    return f"{data_version(store)[:24]}/{method}"


@dataclass
class BuildReport:
    key: str
    folder: Path
    results: int = 0
    skipped: dict[str, list[str]] = field(default_factory=dict)  # level -> periods
    unchanged: bool = False


def _folder(store) -> Path:
    return Path(store.directory) / RESULTS_DIR


def score_levels(store) -> tuple[str, ...]:
    """The levels :func:`build` scores: buurt, wijk and gemeente, and each grid level
    (``vierkant500``, ``vierkant100``) whose cells the store has."""
    if not store.exists:
        return SCORE_LEVELS
    return (*SCORE_LEVELS, *(level for level in GRID_LEVELS
                             if len(store.boundary_vintages(level))))


def build(store, catalog, scheme, *, levels=None,
          progress: Callable[[str, str], None] | None = None) -> BuildReport:
    """Score every level (default :func:`score_levels`) and period of the store on
    ``scheme`` and store the results (nothing to do when the results of this key exist).
    ``progress(level, period)`` is called after each result."""
    levels = score_levels(store) if levels is None else levels
    key = results_key(store, catalog, scheme)
    root = _folder(store)
    target = root / key
    report = BuildReport(key, target)
    if (target / MANIFEST).is_file():
        report.unchanged = True
        return report
    inputs = Inputs(*load_inputs(store, scheme), population=scheme.population)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        manifest: dict = {"key": key, "version": __version__, "scheme": scheme.name,
                          "data_version": data_version(store), "levels": {}}
        for level in levels:
            kinds, results = [], {}
            for period in sorted(inputs.periods):
                try:
                    result = score_frame(inputs, None, catalog, scheme, level=level,
                                         period=period)
                except WijkkompasError:
                    report.skipped.setdefault(level, []).append(period)
                    continue
                _write(result, work / level)
                results[period] = result
                report.results += 1
                columns = ["vulnerability"] + [c for c in result.table.columns
                                               if c.startswith("domain_")]
                if result.table[columns].notna().to_numpy().any():
                    kinds.append([period, bool(result.table["vulnerability"].notna().any())])
                if progress:
                    progress(level, period)
            manifest["levels"][level] = {
                "periods": kinds, "default": _default_period(inputs, scheme, level, results),
                "panel": _build_panel(inputs, catalog, scheme, level, results, work / level)}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        try:
            work.rename(target)
        except OSError:
            if not (target / MANIFEST).is_file():  # not another build of the same key
                raise
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for old in root.iterdir():  # results of earlier data: never read again
        if old.is_dir() and old.name != target.parent.name:
            shutil.rmtree(old, ignore_errors=True)
    return report


def _build_panel(inputs, catalog, scheme, level: str, results: dict[str, ScoreResult],
                 folder: Path) -> dict:
    """Score and write what the level's default score panel needs beyond ``results``
    (:func:`wijkkompas.change.panel.score_panel`: every period on one vintage); its
    manifest entry: the vintage, the periods, per period the stem of its stored result
    (``<period>`` when the period's own result is on that vintage, else
    ``panel/<period>``) or why it could not be scored, or the error of the whole panel."""
    from ..change.panel import panel_choice

    try:
        vintage, periods = panel_choice(inputs, scheme, level)
    except WijkkompasError as exc:
        return {"error": str(exc)}
    stems, failed = {}, {}
    for period in periods:
        if period in results and int(results[period].vintage) == vintage:
            stems[period] = period
            continue
        try:
            result = score_frame(inputs, None, catalog, scheme, level=level, period=period,
                                 vintage=vintage)
        except WijkkompasError as exc:
            failed[period] = str(exc)
            continue
        _write(result, folder / PANEL_DIR, csv=False)
        stems[period] = f"{PANEL_DIR}/{period}"
    return {"vintage": vintage, "periods": periods, "stems": stems, "failed": failed}


def _default_period(inputs, scheme, level, results: dict[str, ScoreResult]) -> str | None:
    """The engine's own peiljaar (``score_frame(period=None)``): the latest candidate
    whose score has composites, else the fallback candidate."""
    try:
        candidates = default_periods(inputs, scheme, None, level)
    except WijkkompasError:
        return None
    for label in candidates[:-1]:
        if label in results and results[label].statement is None:
            return label
    return candidates[-1] if candidates else None


def _write(result: ScoreResult, folder: Path, *, csv: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / result.period
    nans = {}
    for name in FRAMES:
        frame, nans[name] = _frame_out(getattr(result, name))
        frame.to_parquet(f"{base}.{name}.parquet", index=False)
    if csv and result.level not in GRID_LEVELS:
        # what `score` prints, ready (gzip level 1: a ninth of the size, 15 ms to read a
        # buurt table); not of a panel's other vintages, never printed, nor of grid cells,
        # where it would be the largest file of the build
        text = (to_csv(result.table) or "").encode("utf-8")
        Path(f"{base}.table.csv.gz").write_bytes(gzip.compress(text, compresslevel=1,
                                                               mtime=0))
    # which text columns are plain objects: Arrow reads every text column back as str
    objects = {name: [c for c, dtype in getattr(result, name).dtypes.items()
                      if pd.api.types.is_object_dtype(dtype)] for name in FRAMES}
    meta = {"objects": objects, "nans": nans, "level": result.level, "period": result.period,
            "vintage": int(result.vintage), "method": result.method, "reference": result.reference,
            "domains": list(result.domains), "notes": list(result.notes),
            "year": int(result.year), "measure": result.measure,
            "statement": result.statement}
    (folder / f"{result.period}.json").write_text(json.dumps(meta), encoding="utf-8")


def _frame_out(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` as Parquet takes it, and its text columns whose missing values are NaN.

    An object column of text is stored as text, a missing value as null, which reads back
    as None; so the columns whose missing values are all NaN (a grid cell in no wijk:
    ``wijk_code``) are named, to be NaN again. Other object columns (numbers mixed with
    None, text with both None and NaN) do not round-trip through Arrow by themselves:
    they are kept as JSON text with a marker in the name (a json.loads per cell took 1 s
    a read of 100,000 cells' results, hence text wherever it is text)."""
    out = frame.copy()
    nans = []
    for column in out.columns:
        if out[column].dtype != object:
            continue
        missing = _text_missing(out[column])
        if missing == "nan":
            nans.append(column)
        elif missing is None:
            out[column] = [json.dumps(v, default=_plain) for v in out[column]]
            out = out.rename(columns={column: f"{column}\x00json"})
    return out, nans


def _text_missing(values: pd.Series) -> str | None:
    """For a column of text: ``"none"`` when its missing values are None (or it has none),
    ``"nan"`` when they are float NaN; None when it is not text, or mixes the two."""
    kinds = set()
    for v in values:
        if isinstance(v, str):
            continue
        if v is None:
            kinds.add("none")
        elif isinstance(v, float) and v != v:
            kinds.add("nan")
        else:
            return None
    if len(kinds) > 1:
        return None
    return kinds.pop() if kinds else "none"


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def _frame_in(path: Path, objects: list[str], nans: list[str]) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    for column in list(frame.columns):
        if column in objects and (column in nans
                                  or isinstance(frame[column].dtype, pd.StringDtype)):
            values = frame[column]
            missing = np.nan if column in nans else None
            frame[column] = pd.Series(values.to_numpy(dtype=object, na_value=missing),
                                      dtype=object, index=frame.index)
        if column.endswith("\x00json"):
            name = column[:-len("\x00json")]
            frame[column] = pd.Series([json.loads(v) for v in frame[column]], dtype=object,
                                      index=frame.index)
            frame = frame.rename(columns={column: name})
    return frame


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def is_built(store, key: str) -> bool:
    """Whether the results of ``key`` (:func:`results_key`) are stored, complete (a build
    renames its folder into place with the manifest in it)."""
    return (_folder(store) / key / MANIFEST).is_file()


def manifest(store, catalog, scheme) -> dict | None:
    """The manifest of the current results, or None when they are not built (or the
    data, scheme or catalog changed since)."""
    path = _folder(store) / results_key(store, catalog, scheme) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stored(store, catalog, scheme, level: str, period: str | None = None, *,
           key: str | None = None) -> ScoreResult | None:
    """The stored result of ``level`` and ``period`` (None: the default period), or None
    when the results of the current data, scheme and catalog are not built or do not
    have it."""
    key = key or results_key(store, catalog, scheme)
    folder = _folder(store) / key
    if period is None:
        found = _manifest_at(folder)
        period = ((found or {}).get("levels", {}).get(level) or {}).get("default")
        if period is None:
            return None
    return _read(folder / level / str(period), scheme)


@dataclass
class StoredPanel:
    """What :func:`wijkkompas.change.panel.stack` needs for a level's default panel."""

    vintage: int
    periods: list[str]
    results: dict[str, ScoreResult]
    failed: dict[str, str]


def stored_panel(store, catalog, scheme, level: str) -> StoredPanel | None:
    """The stored results of a level's default score panel, or None when they are not
    built (or any is missing: then it is scored live); raises the panel's own error when
    the build found the level cannot have one."""
    key = results_key(store, catalog, scheme)
    folder = _folder(store) / key
    entry = ((_manifest_at(folder) or {}).get("levels", {}).get(level) or {}).get("panel")
    if entry is None:
        return None
    if "error" in entry:
        raise WijkkompasError(entry["error"])
    results = {}
    for period, stem in entry["stems"].items():
        result = _read(folder / level / stem, scheme)
        if result is None:
            return None
        results[period] = result
    return StoredPanel(int(entry["vintage"]), list(entry["periods"]), results,
                       dict(entry["failed"]))


def _read(base: Path, scheme) -> ScoreResult | None:
    """The result stored at ``base`` (``<folder>/<level>/<stem>``), or None."""
    try:
        meta = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
        frames = {name: _frame_in(Path(f"{base}.{name}.parquet"), meta["objects"][name],
                                  meta["nans"][name])
                  for name in FRAMES if name != "details"}
    except (OSError, ValueError):
        return None  # not built, or removed by a newer build: score it live

    def details() -> pd.DataFrame:  # read on first use, as the engine builds them
        return _frame_in(Path(f"{base}.details.parquet"), meta["objects"]["details"],
                         meta["nans"]["details"])
    return ScoreResult(table=frames["table"], scheme=scheme, level=meta["level"],
                       period=meta["period"], vintage=meta["vintage"], method=meta["method"],
                       reference=meta["reference"], statistics=frames["statistics"],
                       domains=meta["domains"], notes=meta["notes"], year=meta["year"],
                       measure=_tuples(meta["measure"]), statement=meta["statement"],
                       coverage=frames["coverage"], _make_details=details)


def _manifest_at(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


__all__ = ["BuildReport", "StoredPanel", "build", "data_version", "manifest", "results_key",
           "score_levels", "stored", "stored_panel"]
