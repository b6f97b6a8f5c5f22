"""How large a file the readers take: decompressed bytes and rows, documented and settable.

A file is refused, with its name and the limit, before it can exhaust memory:

- ``WIJKKOMPAS_MAX_FILE_MB`` (default 2048): the bytes of a text file after gunzipping,
  and the sum of the uncompressed sizes of a spreadsheet's parts (an .xlsx is a zip; a
  1.5 MB workbook can expand to gigabytes). The largest published file the project reads,
  CBS's national health table per buurt, is about 0.2 GB unpacked;
- ``WIJKKOMPAS_MAX_ROWS`` (default 20,000,000): data rows of one table or sheet; all of
  CBS's per-buurt tables of a year together have fewer than 2 million.

gzip is unpacked in pieces and stopped one byte past the limit, so a "zip bomb" costs at
most the limit in memory, never its expanded size.
"""
from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from ..errors import IngestError
from ..settings import env_name, settings

MAX_FILE_MB_ENV = env_name("max_file_mb")
MAX_ROWS_ENV = env_name("max_rows")
_CHUNK = 1 << 20


def max_bytes() -> int:
    return int(settings().max_file_mb * (1 << 20))


def max_rows() -> int:
    return settings().max_rows


def _too_large(file: str, what: str) -> IngestError:
    return IngestError(f"{what} is more than the limit of {max_bytes() >> 20:,} MB "
                       f"(${MAX_FILE_MB_ENV})", file=file)


def read_limited(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip, refused beyond :func:`max_bytes`."""
    file, limit = str(path), max_bytes()
    if path.stat().st_size > limit:
        raise _too_large(file, "the file")
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            while chunk := unpacked.read(_CHUNK):
                out.write(chunk)
                if out.tell() > limit:
                    raise _too_large(file, "the unpacked file")
    except (EOFError, OSError) as exc:
        raise IngestError(f"gzip file is damaged or cut short ({exc})", file=file) from exc
    return out.getvalue()


def check_workbook(path: Path) -> None:
    """Refuse a spreadsheet whose parts unpack beyond :func:`max_bytes` (as they declare
    it; zipfile checks each part against its declared size while reading)."""
    try:
        with zipfile.ZipFile(path) as book:
            size = sum(info.file_size for info in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: the spreadsheet reader says what it is
    if size > max_bytes():
        raise _too_large(str(path), f"the unpacked workbook ({size >> 20:,} MB)")


def check_rows(count: int, file: str) -> None:
    if count > max_rows():
        raise IngestError(f"more than {max_rows():,} rows (${MAX_ROWS_ENV})", file=file)
