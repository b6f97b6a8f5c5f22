"""Stored scores found from the files that define them, before anything is loaded.

The results of :mod:`.results` are keyed by what the loaded scheme and catalog are
(:func:`~wijkkompas.analysis.results.results_key`); loading them takes YAML, pydantic
and pandas, half a second before a score that is read from a file in 0.1 s. So each
time the key of a catalog and scheme is known, it is remembered under the
:func:`~wijkkompas.definitions.digest` of their files (:func:`remember`), and
``wijkkompas score`` looks the key up by that digest first (:func:`stored_csv`):

- the data version is the one the last ingest kept (:func:`wijkkompas.store.fingerprint.kept`,
  its counts checked), so results of other data are never found;
- the digest is of every byte loading reads, and it is remembered only when it was the
  same before and after loading (a file edited meanwhile is found again next time);
- the index lives in the data version's folder (``results/<data version>/inputs/<digest>``),
  removed with the results of old data.

Whatever is not found (no kept version, no index entry, a level or period not stored,
a file being replaced) gives None: the caller loads everything and scores as before,
which also remembers the key for the next time. The CSV is the one
:func:`wijkkompas.csvsafe.to_csv` wrote of the result's table when it was built, so it
is byte for byte what the slow path prints (``tests/test_lookup.py``).
"""
from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..definitions import digest
from ..store import FILE_NAME

RESULTS_DIR = "results"
MANIFEST = "manifest.json"
# the layout of a key's folder (analysis/results.py): results written by another layout
# are never read (3: grid levels; 4: text columns with NaN for a missing value stored as
# text, no longer as JSON; 5: the table as CSV too)
LAYOUT = 5
PANEL_DIR = "panel"  # panel results on another vintage than the period's own
INPUTS_DIR = "inputs"  # digest of the defining files -> the key's second half
# a level or period as the folder holds it: a name, never a path
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")


@dataclass(frozen=True)
class Definitions:
    """A loaded catalog and scheme, and the digest of their files (None when the files
    changed while they were read: then it names neither)."""

    catalog: Any
    scheme: Any
    digest: str | None


def load_definitions(catalog: Sequence[Path | str] | None,
                     scheme: Path | str | None) -> Definitions:
    """:func:`~wijkkompas.catalog.load_catalog` of ``catalog`` and
    :func:`~wijkkompas.schemes.load_scheme` of ``scheme`` on it, with their digest."""
    from ..catalog import load_catalog
    from ..schemes import load_scheme

    before = digest(catalog, scheme)
    loaded = load_catalog(catalog)
    found = load_scheme(scheme, loaded)
    return Definitions(loaded, found, before if before == digest(catalog, scheme) else None)


def remember(store, definitions: Definitions) -> None:
    """Note under the definitions' digest the key of their results on the store's
    current data, when those are built; a store folder that cannot be written is left
    without (the next ``score`` loads everything, as it would)."""
    from .results import is_built, results_key

    if definitions.digest is None or not store.exists:
        return
    key = results_key(store, definitions.catalog, definitions.scheme)
    if not is_built(store, key):
        return
    version, method = key.split("/")
    folder = Path(store.directory) / RESULTS_DIR / version / INPUTS_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, encoding="utf-8",
                                         prefix=".") as handle:
            handle.write(method)
        os.replace(handle.name, folder / definitions.digest)
    except OSError:
        return


@dataclass(frozen=True)
class StoredCsv:
    """A stored score table as CSV, and the result's notes."""

    text: str
    notes: list[str]


def stored_csv(directory: Path | str, catalog: Sequence[Path | str] | None,
               scheme: Path | str | None, level: str, period: str | None) -> StoredCsv | None:
    """The stored table of ``level`` and ``period`` (None: the default period) of the
    store in ``directory``, scored on the ``scheme`` and ``catalog`` files as they are
    now, as :func:`wijkkompas.csvsafe.to_csv` writes it; None when it is not found."""
    from ..store.fingerprint import kept

    found = digest(catalog, scheme)
    version = kept(Path(directory) / FILE_NAME) if found is not None else None
    if found is None or version is None:
        return None
    root = Path(directory) / RESULTS_DIR / version[:24]
    try:
        method = (root / INPUTS_DIR / found).read_text(encoding="utf-8")
        folder = root / method
        entry = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["levels"][level]
        period = entry["default"] if period is None else str(period)
        if not (_NAME.fullmatch(method) and _NAME.fullmatch(level) and period
                and _NAME.fullmatch(period)):
            return None
        base = folder / level / period
        meta = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
        text = gzip.decompress(Path(f"{base}.table.csv.gz").read_bytes()).decode("utf-8")
        return StoredCsv(text, list(meta["notes"]))
    except (OSError, ValueError, LookupError, TypeError, EOFError, zlib.error):
        return None  # not remembered, not stored, or removed by a newer build
