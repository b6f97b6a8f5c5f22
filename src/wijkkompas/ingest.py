"""Reading files into the store: format detection, then one atomic store write.

:func:`read_file` picks the reader by asking each in :data:`READERS` whether it
recognises the file (``sniff``), in order from the most specific to the most general.
:func:`ingest` reads every file first and only then writes, so a batch of files lands
whole or not at all.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from . import yamlsafe
from .catalog import Catalog, load_catalog
from .errors import IngestError
from .sources import boundaries, longtable, mapped, statline, text
from .sources.base import Reader, ReadResult
from .sources.checks import check_values
from .sources.limits import check_workbook
from .store import IngestReport, Store

# most specific first: the own long layout, mapping files, boundary files, then the CBS
# dialects, whose sniff accepts any table with a region column (a long-layout export or a
# data file a shipped mapping knows has one too)
READERS: tuple[Reader, ...] = (longtable, mapped, boundaries, statline)


def detect(path: Path) -> Reader:
    """The reader module for a file, or IngestError listing what was tried."""
    if not path.exists():
        raise IngestError("file not found", file=str(path))
    if path.is_dir():
        raise IngestError("this is a folder; give the files in it", file=str(path))
    size = path.stat().st_size
    if size == 0 or (size <= 4096 and not path.read_bytes().strip()):
        raise IngestError("the file is empty", file=str(path))
    for reader in READERS:
        if reader.sniff(path):
            return reader
    _diagnose(path)
    # the most general reader first: the one a user most likely meant
    *others, last = [reader.NAME for reader in reversed(READERS)]
    raise IngestError(f"unknown format: expected {', '.join(others)} or {last}",
                      file=str(path))


def _diagnose(path: Path) -> None:
    """Raise the specific reason a file no reader claims cannot be read, where there is one."""
    name = path.name.lower()
    if name.endswith((".yaml", ".yml")):
        try:
            yamlsafe.load_file(path, errors="replace")
        except yaml.YAMLError as exc:
            raise IngestError(f"not valid YAML ({exc})", file=str(path)) from None
        raise IngestError("a YAML file, but not a mapping file: a mapping needs 'file:' and "
                          f"'columns:' ({mapped.FORMAT_HELP})", file=str(path))
    if name.endswith((".csv", ".txt", ".tsv", ".gz")):
        # raises for damaged gzip, binary content and sizes beyond the limit; a readable
        # text falls through
        text.decode(text.read_bytes(path), str(path))
    if name.endswith((".xlsx", ".xlsm")):
        check_workbook(path)  # a workbook that unpacks beyond the limit


def read_file(path: Path | str, catalog: Catalog | None = None, **options) -> list[ReadResult]:
    """Read one file into results (a wijkkompas export may hold several sources); every
    figure checked against the catalog (:mod:`~wijkkompas.sources.checks`)."""
    path = Path(path)
    catalog = catalog if catalog is not None else load_catalog()
    # a mapping file given beside a data file decides the format by itself
    reader: Reader = mapped if options.get("mapping") else detect(path)
    result = reader.read(path, catalog, **options)
    results = result if isinstance(result, list) else [result]
    for one in results:
        check_values(one, catalog)
    return results


def ingest(paths: Iterable[Path | str], store: Store | None = None, *,
           catalog: Catalog | None = None, on_conflict: str = "error",
           progress: Callable[[Path], None] | None = None, **options) -> IngestReport:
    """Read all files, then add them to the store in one transaction.

    ``options`` go to the readers (``vintage=``, ``period=``, ``mapping=``...).
    """
    store = store if store is not None else Store()
    catalog = catalog if catalog is not None else load_catalog()
    results: list[ReadResult] = []
    for path in paths:
        results.extend(read_file(path, catalog, **options))
        if progress:
            progress(Path(path))
    return store.ingest(results, on_conflict=on_conflict)
