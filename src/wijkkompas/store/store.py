"""The :class:`Store`: its connections and atomic ingest; the queries everything else
reads through are :class:`~wijkkompas.store.queries.StoreQueries`, which it extends.

See the package docstring for the tables and the atomicity guarantees.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .. import config
from ..errors import ConflictError, WijkkompasError
from ..sources.base import AREA_COLUMNS, OBS_COLUMNS, ReadResult, Skip
from . import FILE_NAME, connections
from .fingerprint import FINGERPRINT_SQL
from .names import NAMED_AREAS, refresh_named_areas
from .queries import StoreQueries, fingerprint_of

KEY = ["area_code", "vintage", "period", "indicator"]
ON_CONFLICT = ("error", "keep", "replace")
# Two figures are the same when they differ by less than this relative amount: sources
# that republish a CBS figure store it as float and may differ in the last bit.
REL_TOLERANCE = 1e-9
# A writer waits this long for the readers of a running server to let go: each holds
# the file for one request (DuckDB allows a writer only when no other process has it open)
WRITE_WAIT_S = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS observations(
    area_code VARCHAR NOT NULL, vintage SMALLINT NOT NULL, period VARCHAR NOT NULL,
    year SMALLINT NOT NULL, indicator VARCHAR NOT NULL, value DOUBLE,
    status VARCHAR NOT NULL, source VARCHAR NOT NULL, load_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS areas(
    code VARCHAR NOT NULL, vintage SMALLINT NOT NULL, name VARCHAR, level VARCHAR NOT NULL,
    wijk_code VARCHAR, gemeente_code VARCHAR);
CREATE TABLE IF NOT EXISTS boundaries(
    code VARCHAR NOT NULL, vintage SMALLINT NOT NULL, level VARCHAR NOT NULL,
    geometry BLOB NOT NULL, display BLOB, load_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
    id VARCHAR NOT NULL, title VARCHAR, publisher VARCHAR, licence VARCHAR, url VARCHAR,
    table_id VARCHAR);
CREATE TABLE IF NOT EXISTS loads(
    load_id INTEGER NOT NULL, source VARCHAR NOT NULL, file VARCHAR, sha256 VARCHAR,
    format VARCHAR, loaded_at TIMESTAMP NOT NULL, added INTEGER, unchanged INTEGER,
    replaced INTEGER, skipped INTEGER);
CREATE TABLE IF NOT EXISTS store_meta(
    key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL, counts VARCHAR NOT NULL);
CREATE INDEX IF NOT EXISTS observations_area ON observations(area_code);
"""


@dataclass
class FileReport:
    """What ingest did with one file."""

    file: str
    source: str
    rows: int
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    kept: int = 0
    areas_added: int = 0
    boundaries_added: int = 0
    skipped: list[Skip] = field(default_factory=list)
    # the file's areas that have no name, neither in the file nor in the store (any vintage)
    unnamed: int = 0


@dataclass
class IngestReport:
    files: list[FileReport]

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def changed(self) -> bool:
        """Whether the store's data changed (figures or boundaries added or replaced)."""
        return any(f.added or f.replaced or f.boundaries_added for f in self.files)


def _publish(temporary: Path, target: Path) -> bool:
    """Put a newly built store file in place only if there is none yet; False when
    another process created one first (then nothing is replaced: its figures stay).

    A hard link is created atomically or not at all, where ``os.replace`` would silently
    overwrite the other process's store (two first ingests at once: one file lost)."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        return False
    return True


def _unnamed(con, results: list[ReadResult]) -> dict[int, int]:
    """Per file (its index), its areas without a name: the file gave none and no file in
    the store names the same code (whose name the queries would show)."""
    frames = [pd.DataFrame({"code": r.areas.loc[r.areas["name"].fillna("") == "",
                                                "code"].astype(str).to_numpy(),
                            "_file": index})
              for index, r in enumerate(results)]
    codes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if codes.empty:
        return {}
    con.register("unnamed", codes)
    try:
        counts = con.execute("""
            SELECT _file, count(DISTINCT code) FROM unnamed u WHERE NOT EXISTS (
                SELECT 1 FROM areas a WHERE a.code = u.code AND a.name <> '')
            GROUP BY _file""").fetchall()
    finally:
        con.unregister("unnamed")
    return {int(index): int(count) for index, count in counts}


class Store(StoreQueries):
    """A directory holding ``wijkkompas.duckdb``.

    Parameters
    ----------
    directory
        The store directory; None takes ``$WIJKKOMPAS_STORE`` or the user's data folder
        (:func:`wijkkompas.config.store_dir`).
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = config.store_dir(directory)
        self.path = self.directory / FILE_NAME
        self._has_named = False
        self._reading = threading.local()  # the connection of a reading() block, per thread

    def __repr__(self) -> str:
        return f"Store({str(self.directory)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    # -- connections -------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, write: bool = False, path: Path | None = None):
        target = path or self.path
        if not write and not target.is_file():
            raise WijkkompasError(
                f"no store at {self.directory}: load data first (wijkkompas ingest PATH, "
                "or wijkkompas demo for the bundled data)")
        if not write and path is None:
            with connections.reader(target, lambda: self._open(target, write=False)) as kept:
                if kept is not None:
                    yield kept
                    return
        if write:
            connections.release(target)  # this process's kept reader: DuckDB wants one mode
        con = self._open(target, write=write)
        try:
            yield con
        finally:
            con.close()

    def _open(self, target: Path, *, write: bool) -> duckdb.DuckDBPyConnection:
        """Connect to ``target``. A writer waits up to :data:`WRITE_WAIT_S` for other
        processes to let go, announcing itself (:mod:`.connections`: their kept readers
        close); a reader does not wait (a writer holds the file for a whole ingest)."""
        deadline = time.monotonic() + (WRITE_WAIT_S if write else 0.0)
        pause = 0.02
        try:
            while True:
                try:
                    return duckdb.connect(str(target), read_only=not write)
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower():
                        raise WijkkompasError(
                            f"cannot open the store {target}: {exc}") from exc
                    if time.monotonic() >= deadline:
                        raise WijkkompasError(
                            f"the store {self.directory} is in use by another process "
                            "that is writing to it; try again when it has finished"
                            if not write else
                            f"the store {self.directory} is in use by another process "
                            f"(waited {WRITE_WAIT_S:g} s); try again when it has "
                            "finished") from exc
                    connections.announce(target)
                    time.sleep(pause)
                    pause = min(pause * 2, 0.5)
        finally:
            if write:
                connections.withdraw(target)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a read-only SQL query against the store (the tables are documented above)."""
        held = getattr(self._reading, "con", None)
        if held is not None:
            return held.execute(sql, params or []).df()
        with self._connect() as con:
            return con.execute(sql, params or []).df()

    @contextlib.contextmanager
    def reading(self):
        """Run the queries of this thread inside the block on one read-only connection
        (a cursor of the connection the process keeps, :mod:`.connections`)."""
        if getattr(self._reading, "con", None) is not None:
            yield self
            return
        with self._connect() as con:
            self._reading.con = con
            try:
                yield self
            finally:
                self._reading.con = None

    def _named(self) -> bool:
        """Whether the store keeps its areas' names as a table (:data:`NAMED_AREAS`);
        a store written before it was introduced gets it at its next ingest."""
        if not self._has_named:
            self._has_named = bool(len(self.query(
                "SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [NAMED_AREAS])))
        return self._has_named

    # -- ingest ------------------------------------------------------------------------

    def ingest(self, results: list[ReadResult], *, on_conflict: str = "error") -> IngestReport:
        """Add what the readers read, all of it or none of it.

        ``on_conflict`` decides what happens when an incoming figure differs from the
        one in the store for the same area, vintage, period and indicator: ``error``
        (default) rejects the whole ingest and lists the conflicts, ``keep`` keeps the
        stored figures, ``replace`` takes the incoming ones.
        """
        if on_conflict not in ON_CONFLICT:
            raise ValueError(f"on_conflict must be one of {ON_CONFLICT}")
        incoming = _combine(results)
        reports = [FileReport(file=r.source.file, source=r.source.id,
                              rows=len(r.observations), skipped=list(r.skipped))
                   for r in results]
        unnamed: dict[int, int] = {}
        if self.exists:
            with self._connect() as con:
                plan = _plan(con, incoming, results, on_conflict)
                if plan.empty:
                    unnamed = _unnamed(con, results)
        else:
            plan = _plan(None, incoming, results, on_conflict)
        if not plan.empty:
            plan, unnamed = self._write_plan(plan, incoming, results, on_conflict)
        _count(plan, reports)
        for index, count in unnamed.items():
            reports[index].unnamed = count
        return IngestReport(reports)

    def _write_plan(self, plan: _Plan, incoming: pd.DataFrame, results: list[ReadResult],
                    on_conflict: str) -> tuple[_Plan, dict[int, int]]:
        """Write the plan in one transaction; the plan as written and the unnamed areas
        per file, counted on the same connection (a second one opened after the write
        could find another process writing, and report as failed an ingest that landed)."""
        if self.exists:
            with self._connect(write=True) as con:
                # re-plan inside the transaction: another process may have written since
                con.execute("BEGIN TRANSACTION")
                try:
                    plan = _plan(con, incoming, results, on_conflict)
                    _write(con, plan, results)
                    unnamed = _unnamed(con, results)
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.directory / f".{FILE_NAME}.{os.getpid()}.{id(plan)}.tmp"
            temporary.unlink(missing_ok=True)
            try:
                with self._connect(write=True, path=temporary) as con:
                    con.execute(SCHEMA)
                    _write(con, plan, results)
                    unnamed = _unnamed(con, results)
                created = _publish(temporary, self.path)
            finally:
                temporary.unlink(missing_ok=True)
                Path(str(temporary) + ".wal").unlink(missing_ok=True)
            if not created:
                # another process created the store meanwhile: add to it like any ingest
                return self._write_plan(plan, incoming, results, on_conflict)
        return plan, unnamed


# -- ingest internals ------------------------------------------------------------------

@dataclass
class _Plan:
    new: pd.DataFrame            # incoming rows to insert (with _file)
    replace: pd.DataFrame        # incoming rows that replace stored ones (with _file)
    unchanged: pd.DataFrame      # _file column only
    kept: pd.DataFrame           # _file column only
    areas: pd.DataFrame
    names: pd.DataFrame          # areas whose empty stored name gets one
    boundaries: list[pd.DataFrame]

    @property
    def empty(self) -> bool:
        return (self.new.empty and self.replace.empty and self.areas.empty
                and self.names.empty and not any(len(b) for b in self.boundaries))


def _combine(results: list[ReadResult]) -> pd.DataFrame:
    """All incoming observations with their file index; conflicts between files raise."""
    frames = []
    for index, result in enumerate(results):
        frames.append(result.observations[OBS_COLUMNS].assign(_file=np.int32(index)))
    if not frames:
        return pd.DataFrame(columns=[*OBS_COLUMNS, "_file"])
    incoming = pd.concat(frames, ignore_index=True)
    incoming["vintage"] = incoming["vintage"].astype("int16")
    incoming["year"] = incoming["year"].astype("int16")
    duplicated = incoming.duplicated(KEY, keep=False)
    if duplicated.any():
        # a figure fills in a suppressed cell: sort figures before suppressed ones so that
        # "first" below is a figure whenever one of the duplicates has one
        incoming = incoming.sort_values("status", key=lambda s: s != "observed", kind="stable")
        duplicated = incoming.duplicated(KEY, keep=False)
        dupes = incoming[duplicated]
        first = dupes.groupby(KEY, sort=False)[["value", "status", "_file"]].transform("first")
        differs = ~_same(dupes["value"], first["value"]) & (
            dupes["status"] == first["status"]).to_numpy()
        if differs.any():
            position = int(differs.argmax())
            row = dupes.iloc[position]
            other = results[int(first["_file"].iloc[position])].source.file
            raise ConflictError(
                f"{results[int(row['_file'])].source.file} and {other} give different "
                f"figures for {row['indicator']} of {row['area_code']} ({row['vintage']} "
                f"indeling) in {row['period']}: load them one at a time and choose "
                "with --on-conflict", dupes[differs])
        incoming = incoming[~incoming.duplicated(KEY, keep="first")].sort_index()
    return incoming


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.to_numpy(float), b.to_numpy(float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= REL_TOLERANCE * np.maximum(1.0, np.abs(a))
    return both_nan | close


def _plan(con, incoming: pd.DataFrame, results: list[ReadResult], on_conflict: str) -> _Plan:
    """Split incoming rows into new, unchanged, conflicting; raise on conflicts if asked."""
    areas = pd.concat([r.areas[AREA_COLUMNS] for r in results], ignore_index=True)
    areas = areas.assign(vintage=areas["vintage"].astype("int16"), name=areas["name"].fillna(""))
    # the first non-empty name per area wins: boundary and StatLine files name areas, panels
    # sometimes carry only codes
    areas = (areas.sort_values("name", ascending=False, key=lambda s: s.str.len())
                  .drop_duplicates(["code", "vintage"]))
    boundaries = [r.boundaries if r.boundaries is not None else pd.DataFrame()
                  for r in results]
    if con is None:
        none = incoming.iloc[0:0][["_file"]]
        return _Plan(incoming, incoming.iloc[0:0], none, none, areas,
                     areas.iloc[0:0], boundaries)
    con.register("incoming", incoming)
    matched = con.execute("""
        SELECT i.*, o.value AS old_value, o.status AS old_status, o.source AS old_source
        FROM incoming i JOIN observations o
          ON o.area_code = i.area_code AND o.vintage = i.vintage
         AND o.period = i.period AND o.indicator = i.indicator""").df()
    new = con.execute("""
        SELECT i.* FROM incoming i WHERE NOT EXISTS (
            SELECT 1 FROM observations o WHERE o.area_code = i.area_code
               AND o.vintage = i.vintage AND o.period = i.period
               AND o.indicator = i.indicator)""").df()
    con.unregister("incoming")
    same = _same(matched["value"], matched["old_value"]) & (
        matched["status"] == matched["old_status"]).to_numpy()
    # a figure fills in a suppressed cell, whatever on_conflict says; a suppressed cell
    # never erases a figure (a later release publishes what an earlier one withheld)
    fills = ((matched["old_status"] == "suppressed") & (matched["status"] == "observed")).to_numpy()
    withheld = ((matched["old_status"] == "observed")
                & (matched["status"] == "suppressed")).to_numpy()
    conflicts = matched[~same & ~fills & ~withheld]
    if len(conflicts) and on_conflict == "error":
        sample = "; ".join(
            f"{r.area_code} {r.indicator} {r.period} ({r.vintage}): store has "
            f"{_show(r.old_value, r.old_status)} from {r.old_source}, file has "
            f"{_show(r.value, r.status)}" for r in conflicts.head(5).itertuples())
        raise ConflictError(
            f"{len(conflicts)} figures differ from those in the store ({sample}"
            f"{'; ...' if len(conflicts) > 5 else ''}). Nothing was loaded. Use "
            "--on-conflict keep or --on-conflict replace to choose.", conflicts)
    replace = pd.concat([matched[fills], conflicts if on_conflict == "replace"
                         else conflicts.iloc[0:0]])[OBS_COLUMNS + ["_file"]]
    kept = conflicts[["_file"]] if on_conflict == "keep" else new.iloc[0:0][["_file"]]
    stored_areas = con.execute("SELECT code, vintage, name FROM areas").df()
    merged = areas.merge(stored_areas, on=["code", "vintage"], how="left",
                         suffixes=("", "_stored"), indicator=True)
    new_areas = merged[merged["_merge"] == "left_only"][AREA_COLUMNS]
    names = merged[(merged["_merge"] == "both") & (merged["name_stored"].fillna("") == "")
                   & (merged["name"] != "")][["code", "vintage", "name"]]
    stored_bounds = con.execute("SELECT DISTINCT code, vintage FROM boundaries").df()
    keys = set(zip(stored_bounds["code"], stored_bounds["vintage"].astype(int), strict=True))
    boundaries = [b[[(c, int(v)) not in keys for c, v in zip(b["code"], b["vintage"], strict=True)]]
                  if len(b) else b for b in boundaries]
    return _Plan(new, replace, matched[same | withheld][["_file"]], kept, new_areas, names,
                 boundaries)


def _show(value: float, status: str) -> str:
    return status if status != "observed" else f"{value:g}"


def _write(con, plan: _Plan, results: list[ReadResult]) -> None:
    con.execute(SCHEMA)
    first_load = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]
    load_ids = {index: first_load + index for index in range(len(results))}
    now = datetime.now(UTC).replace(tzinfo=None)
    for rows in (plan.replace, plan.new):
        if rows.empty:
            continue
        rows = rows.assign(load_id=rows["_file"].map(load_ids).astype("int32"))
        con.register("rows", rows)
        if rows is not plan.new:
            con.execute("""DELETE FROM observations o USING rows r
                WHERE o.area_code = r.area_code AND o.vintage = r.vintage
                  AND o.period = r.period AND o.indicator = r.indicator""")
        con.execute(f"INSERT INTO observations SELECT {', '.join(OBS_COLUMNS)}, load_id "
                    "FROM rows")
        con.unregister("rows")
    if len(plan.areas):
        con.register("new_areas", plan.areas)
        con.execute(f"INSERT INTO areas SELECT {', '.join(AREA_COLUMNS)} FROM new_areas")
        con.unregister("new_areas")
    if len(plan.names):
        con.register("names", plan.names)
        con.execute("""UPDATE areas SET name = n.name FROM names n
                       WHERE areas.code = n.code AND areas.vintage = n.vintage""")
        con.unregister("names")
    if len(plan.areas) or len(plan.names) or not len(con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [NAMED_AREAS]).fetchall()):
        refresh_named_areas(con)
    for index, bounds in enumerate(plan.boundaries):
        if len(bounds):
            _write_boundaries(con, bounds, load_ids[index])
    stored_sources = set(con.execute("SELECT id FROM sources").df()["id"])
    for index, result in enumerate(results):
        source = result.source
        if source.id not in stored_sources:
            con.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                        [source.id, source.title, source.publisher, source.licence,
                         source.url, source.table])
            stored_sources.add(source.id)
        con.execute("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            load_ids[index], source.id, source.file, source.sha256, source.format, now,
            int((plan.new["_file"] == index).sum()),
            int((plan.unchanged["_file"] == index).sum()),
            int((plan.replace["_file"] == index).sum()), len(result.skipped)])
    # the data version of what this transaction leaves, kept with it (read by every
    # command and page: 1 ms instead of a hash over every figure)
    value, counts = fingerprint_of(con.execute(FINGERPRINT_SQL).df())
    con.execute("INSERT OR REPLACE INTO store_meta VALUES ('fingerprint', ?, ?)",
                [value, counts])


def _write_boundaries(con, bounds, load_id: int) -> None:
    import shapely

    frame = pd.DataFrame({
        "code": bounds["code"].astype(str), "vintage": bounds["vintage"].astype("int16"),
        "level": bounds["level"].astype(str),
        "geometry": shapely.to_wkb(np.asarray(bounds.geometry.to_crs(28992).values)),
    })
    if "display" in bounds.columns:
        frame["display"] = bounds["display"].to_numpy()
    else:
        from ..geo.boundaries import display_geometry

        frame["display"] = shapely.to_wkb(np.asarray(display_geometry(bounds).geometry.values))
    frame["load_id"] = load_id
    con.register("bounds", frame)
    con.execute("INSERT INTO boundaries SELECT code, vintage, level, geometry, display, "
                "load_id FROM bounds")
    con.unregister("bounds")


def _count(plan: _Plan, reports: list[FileReport]) -> None:
    for index, report in enumerate(reports):
        report.added = int((plan.new["_file"] == index).sum())
        report.replaced = int((plan.replace["_file"] == index).sum())
        report.kept = int((plan.kept["_file"] == index).sum())
        report.unchanged = report.rows - report.added - report.replaced - report.kept
        if index < len(plan.boundaries):
            report.boundaries_added = len(plan.boundaries[index])
    # areas are counted for the batch; attribute them to the first file
    if reports:
        reports[0].areas_added = len(plan.areas)

