"""Reading delimited text as it comes from StatLine, municipalities and spreadsheets.

Real files arrive as UTF-8 with or without a byte-order mark, or as latin-1/cp1252
(Excel on Windows); comma-, semicolon- or tab-separated; sometimes gzipped; sometimes
cut short by a failed download. :func:`read_table` returns every cell as text, so that
the readers decide what a number, a symbol or a code is (see :mod:`.base`), and raises
:class:`~wijkkompas.errors.IngestError` naming file and row for what it cannot read.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import IngestError
from .limits import check_rows, read_limited

DELIMITERS = ",;\t|"


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped, within the size limit (:mod:`.limits`)."""
    return read_limited(path)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decode bytes, returning ``(text, encoding)``.

    UTF-16 with its byte-order mark (Excel's "Unicode text" export) is read as such. Else
    UTF-8 (a BOM is dropped) is tried first; a file that is not valid UTF-8 is read as
    cp1252, the encoding of Dutch Excel exports, whose letters (e, e-acute, ij) are
    latin-1 compatible, also after a UTF-8 mark. A NUL byte means a binary file, not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestError(f"a UTF-16 text file that is damaged ({exc.reason} at byte "
                              f"{exc.start})", file=file) from None
    if b"\x00" in data[:4096]:
        raise IngestError("this is not a text file (it contains NUL bytes); "
                          "for spreadsheets use .xlsx", file=file)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 mark before text that may still be cp1252 (a bad editor)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str, file: str) -> str:
    """Pick the delimiter that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        raise IngestError("the file is empty", file=file)
    best, best_score = None, (0.0, 1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if counts[0] < 2:
            continue
        # share of data lines agreeing with the header: a bad row further down must not
        # hide the delimiter, so that the row itself can be reported
        body = counts[1:]
        agree = sum(c == counts[0] for c in body) / len(body) if body else 1.0
        if agree >= 0.5 and (agree, counts[0]) > best_score:
            best, best_score = delimiter, (agree, counts[0])
    if best is None:
        raise IngestError("cannot tell the delimiter: the first lines do not split into a "
                          "consistent number of columns on ',', ';', tab or '|'", file=file)
    return best


def read_table(path: Path | str, *, skip_rows: int = 0) -> pd.DataFrame:
    """Read a delimited text file into a frame of strings (empty cells as '').

    Raises IngestError for an empty file, an unreadable delimiter, duplicate column
    names, or a row whose number of fields differs from the header (a file cut short).
    The frame's index is the row number as an editor shows it (header = row 1).
    """
    path = Path(path)
    file = str(path)
    text, _encoding = decode(read_bytes(path), file)
    if skip_rows:
        text = "\n".join(text.splitlines()[skip_rows:])
    if not text.strip():
        raise IngestError("the file is empty", file=file)
    delimiter = sniff_delimiter(text, file)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    check_rows(len(rows) - 1, file)
    header = rows[0]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(f"duplicate column names {dupes}", file=file, row=1 + skip_rows)
    body = []
    for number, row in enumerate(rows[1:], start=2 + skip_rows):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            hint = " (the file may be cut short)" if number == len(rows) + skip_rows else ""
            raise IngestError(f"expected {len(header)} fields, found {len(row)}{hint}",
                              file=file, row=number)
        body.append((number, row))
    frame = pd.DataFrame([r for _, r in body], columns=header, dtype="object",
                         index=pd.Index([n for n, _ in body], name="row"))
    if text.rstrip("\r\n").count('"') % 2:
        raise IngestError("an opening quote is never closed (the file may be cut short)",
                          file=file, row=len(rows) + skip_rows)
    return frame
