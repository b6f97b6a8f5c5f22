"""Read-only connections to store files, kept open between reads.

Opening a DuckDB file costs 15-30 ms of CPU (and several times that in wall time on a
busy machine): more than most of a page's queries. While one connection to a file is
open in a process, another one (a cursor of it) costs nothing. So a process keeps one
read-only connection per store file and hands out cursors, until a writer needs the file
(DuckDB lets a process write a file only when no other process has it open):

- a writer in this process calls :func:`release` before it connects (DuckDB opens a file
  in one configuration per process);
- a writer in another process announces itself while it waits for the file
  (:func:`announce`: a flag file beside it, touched on every try); a reader looks for the
  flag before each use, and a watcher thread every :data:`WATCH_S` seconds (an idle
  server reads nothing that would look), and the kept connection is closed as soon as
  the cursors in use are done. While the flag is fresh, readers open a connection of
  their own per use, as before;
- a file replaced or gone (its inode or modification time changed) is opened again.

At most :data:`KEEP` files are kept (tests and tools touch many stores).
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

KEEP = 4
WATCH_S = 0.25
# a flag not touched for this long is left by a writer that died: ignored
FLAG_STALE_S = 10.0


@dataclass
class Kept:
    con: duckdb.DuckDBPyConnection
    stamp: tuple[int, int]
    users: int = 0
    closing: bool = False


_kept: OrderedDict[Path, Kept] = OrderedDict()
_lock = threading.Lock()
_watching = False


def kept(path: Path) -> Kept | None:
    """The connection this process keeps for the store file ``path``, if any."""
    with _lock:
        return _kept.get(path)


def flag_of(path: Path) -> Path:
    """The flag a writer in another process sets while it waits for ``path``."""
    return path.with_name(f".{path.name}.write-wanted")


def announce(path: Path) -> None:
    """Say that a writer waits for ``path`` (again on every try: a fresh flag)."""
    flag_of(path).touch()


def withdraw(path: Path) -> None:
    flag_of(path).unlink(missing_ok=True)


def _wanted(path: Path) -> bool:
    try:
        return time.time() - flag_of(path).stat().st_mtime < FLAG_STALE_S
    except OSError:
        return False


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


@contextlib.contextmanager
def reader(path: Path, opener: Callable[[], duckdb.DuckDBPyConnection]
           ) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A cursor of the kept read-only connection to ``path`` (``opener()`` opens it when
    none is kept; its errors pass), or None when a writer wants the file or it is gone:
    then the caller opens its own."""
    if _wanted(path):
        release(path)
        yield None
        return
    stamp = _stamp(path)
    with _lock:
        entry = _kept.get(path)
        if entry is not None and entry.stamp != stamp:
            _drop(path)
            entry = None
        if entry is None and stamp is not None:
            entry = _kept[path] = Kept(opener(), stamp)
            while len(_kept) > KEEP:
                _drop(next(iter(_kept)))
            _watch()
        if entry is None:
            cursor = None
        else:
            _kept.move_to_end(path)
            entry.users += 1
            cursor = entry.con.cursor()
    if cursor is None or entry is None:
        yield None
        return
    try:
        yield cursor
    finally:
        cursor.close()
        with _lock:
            entry.users -= 1
            if entry.closing and entry.users == 0:
                entry.con.close()


def release(path: Path) -> None:
    """Close the kept connection to ``path`` (once its cursors in use are done)."""
    with _lock:
        if path in _kept:
            _drop(path)


def _drop(path: Path) -> None:
    """Forget the kept connection to ``path``; close it unless a cursor is in use (the
    last one closes it). With ``_lock`` held."""
    entry = _kept.pop(path)
    entry.closing = True
    if entry.users == 0:
        entry.con.close()


def _watch() -> None:
    """Start the watcher unless it runs (with ``_lock`` held); it ends when nothing is
    kept."""
    global _watching
    if not _watching:
        _watching = True
        threading.Thread(target=_watcher, name="wijkkompas-store-watch", daemon=True).start()


def _watcher() -> None:
    global _watching
    while True:
        time.sleep(WATCH_S)
        with _lock:
            for path, entry in list(_kept.items()):
                if _wanted(path) or _stamp(path) != entry.stamp:
                    _drop(path)
            if not _kept:
                _watching = False
                return
