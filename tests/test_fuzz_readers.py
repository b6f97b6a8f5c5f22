"""Fuzzing the readers with hypothesis, from the real extracts in tests/data/real.

Each example takes a real file of one format and damages it the way files get damaged:
cut short at any byte, a run of bytes overwritten, a line repeated or dropped, re-encoded
(UTF-16, cp1252, a UTF-8 mark), or delimiters swapped. The promise under test: every
outcome is a clean load or the project's own error (:class:`WijkkompasError`) naming the
file, never another exception, and a refused file leaves the store byte for byte as it
was.
"""
from __future__ import annotations

import gzip
import hashlib
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkkompas.errors import WijkkompasError
from wijkkompas.ingest import ingest
from wijkkompas.store import Store

# one real file per format: CBS OData CSV, StatLine export with long labels, a panel read
# through its shipped mapping, GeoJSON and TopoJSON boundaries, a CBS spreadsheet
FILES = [
    ("nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz", True),
    ("amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2020.csv", False),
    ("haaglanden-wijkpanel-2009-2022/WijkEenzaamheid2016.csv", False),
    ("nl-gemeenten-wijken-kwb/gemeenten_2024.geojson", False),
    ("gebiedsindelingen-2014/Gemeente_2015_layer_q1e3.json", False),
    ("utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx", False),
]
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@st.composite
def damage(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["cut", "overwrite", "repeat", "drop", "encode", "swap"]))
    if kind == "cut":
        return data[:draw(st.integers(0, len(data)))]
    if kind == "overwrite":
        start = draw(st.integers(0, max(0, len(data) - 1)))
        junk = draw(st.binary(min_size=1, max_size=64))
        return data[:start] + junk + data[start + len(junk):]
    lines = data.split(b"\n")
    if kind in ("repeat", "drop") and len(lines) > 2:
        at = draw(st.integers(1, len(lines) - 1))
        return b"\n".join(lines[:at] + ([lines[at]] * 2 if kind == "repeat" else [])
                          + lines[at + 1:])
    if kind == "encode":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data
        encoding = draw(st.sampled_from(["utf-16", "cp1252", "utf-8-sig"]))
        return text.encode(encoding, errors="replace")
    if kind == "swap":
        old, new = draw(st.sampled_from([(b",", b";"), (b";", b","), (b".", b","),
                                         (b'"', b"")]))
        return data.replace(old, new)
    return data


def digest(store: Store) -> str:
    return hashlib.sha256(store.path.read_bytes()).hexdigest() if store.exists else ""


@pytest.fixture(scope="module")
def seeded(real_data, tmp_path_factory):
    """A store that already holds one real file, so that 'unchanged' means something."""
    store = Store(tmp_path_factory.mktemp("fuzz") / "store")
    ingest([real_data / "haaglanden-wijkpanel-2009-2022" / "WijkEenzaamheid2016.csv"], store)
    return store


@pytest.mark.parametrize("name, gzipped", FILES, ids=[f.split("/")[-1] for f, _ in FILES])
def test_damaged_files_load_or_are_refused_cleanly(real_data, seeded, tmp_path, name,
                                                   gzipped):
    raw = (real_data / name).read_bytes()
    original = gzip.decompress(raw) if gzipped else raw
    folder = tmp_path / "in"

    @SETTINGS
    @given(st.data())
    def check(data):
        damaged = data.draw(damage(original))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        target = folder / name.split("/")[-1]
        target.write_bytes(gzip.compress(damaged, mtime=0) if gzipped else damaged)
        store = Store(shutil.copytree(seeded.directory, folder / "store"))
        before = digest(store)
        try:
            ingest([target], store)
        except WijkkompasError as exc:  # any other exception fails, with a minimal example
            assert target.name in str(exc), str(exc)
            assert digest(store) == before

    check()
