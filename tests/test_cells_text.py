"""Cell rules (CBS symbols, decimal commas) and robust reading of delimited text."""
import gzip

import pandas as pd
import pytest

from wijkkompas.errors import IngestError
from wijkkompas.sources.base import parse_cells
from wijkkompas.sources.text import read_table


def test_cbs_symbols_and_decimal_marks():
    # cells as they stand in real files: padded OData numbers, Amsterdam's mixed marks
    cells = pd.Series(["    76.1", "1,8", "416.0", ".", "x", "-", "", None, "abc", "1.234,5"])
    values, status, bad = parse_cells(cells)
    assert values.tolist()[:3] == [76.1, 1.8, 416.0]
    assert values[5] == 0.0  # '-' is nil, zero by definition
    assert status.tolist() == ["observed", "observed", "observed", "suppressed", "suppressed",
                               "observed", None, None, None, None]
    assert bad.tolist() == [False] * 8 + [True, True]
    assert pd.isna(values[3]) and pd.isna(values[4])  # suppressed is missing, never zero


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_semicolon_latin1_bom_and_gzip(tmp_path):
    text = "code;naam;waarde\nGM0518;'s-Gravenhage;1,5\nGM0503;Delft;2\n"
    for name, data in [("a.csv", text.encode("cp1252")),
                       ("b.csv", b"\xef\xbb\xbf" + text.encode("utf-8")),
                       ("c.csv.gz", gzip.compress(text.encode("utf-8")))]:
        frame = read_table(write(tmp_path, name, data))
        assert list(frame.columns) == ["code", "naam", "waarde"]
        assert frame.loc[2, "naam"] == "'s-Gravenhage"
        assert frame.index.tolist() == [2, 3]
    latin = read_table(write(tmp_path, "d.csv", "code;naam\nGM1680;Aa en Hunze é\n"
                             .encode("latin-1")))
    assert latin.loc[2, "naam"].endswith("é")


@pytest.mark.parametrize("data, message, row", [
    (b"", "empty", None),
    (b"\n\n", "empty", None),
    (b"a,b,c\n1,2,3\n4,5\n", "expected 3 fields, found 2 .*cut short", 3),
    (b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", "expected 3 fields, found 4", 3),
    (b"a,a,b\n1,2,3\n", "duplicate column names", 1),
    (b'a,b\n1,"unfinished\n', "quote is never closed", None),
    (b"PK\x03\x04\x00\x00binary", "not a text file", None),
])
def test_malformed_text_names_file_and_row(tmp_path, data, message, row):
    path = write(tmp_path, "bad.csv", data)
    with pytest.raises(IngestError, match=message) as info:
        read_table(path)
    assert info.value.file == str(path)
    if row is not None:
        assert info.value.row == row


def test_damaged_gzip(tmp_path):
    data = gzip.compress(b"a,b\n" + b"1,2\n" * 1000)
    with pytest.raises(IngestError, match="gzip"):
        read_table(write(tmp_path, "cut.csv.gz", data[: len(data) // 2]))
