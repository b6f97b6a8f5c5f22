"""``wijkkompas score`` answering from the stored CSV before anything is loaded
(:mod:`wijkkompas.analysis.lookup`, :mod:`wijkkompas.definitions`): the bytes the slow
path prints, found only for the files and data they were made of, and without pandas."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from wijkkompas import csvsafe, definitions
from wijkkompas.analysis import lookup, results
from wijkkompas.analysis.engine import score
from wijkkompas.catalog import DOMAINS
from wijkkompas.cli.options import DOMAIN_HELP, SCHEME_HELP
from wijkkompas.schemes import BUNDLED, load_scheme
from wijkkompas.settings import env_name
from wijkkompas.store import Store

# a user's catalog entry: a new indicator, which changes the catalog (and so its key)
ENTRY = """indicators:
  - id: eigen_indicator_pct
    label: {nl: "Eigen indicator", en: "Own indicator"}
    unit: "%"
    definition: "An indicator of the user's own, in no scheme"
    source: "the user"
    domain: wonen
    direction: higher_is_worse
    kind: share
    denominator: "woningen"
    perspective: objective
"""

# run the command in a process of its own and say which libraries it loaded
RUN = """import sys
from wijkkompas.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("\\nloaded: " + ",".join(m for m in ("pandas", "pydantic_settings", "yaml")
                                         if m in sys.modules))
"""


@pytest.fixture(scope="module")
def built(demo_store, tmp_path_factory, catalog):
    """A copy of the bundled store with the default scheme's results built."""
    store = Store(tmp_path_factory.mktemp("lookup") / "store")
    shutil.copytree(demo_store.directory, store.directory)
    scheme = load_scheme(None, catalog)
    results.build(store, catalog, scheme)
    return store, scheme


def _run(*args: str, **env: str) -> tuple[str, str, list[str]]:
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True,
                          text=True, check=True, env={**os.environ, "COLUMNS": "200", **env})
    err, _, loaded = done.stderr.rpartition("\nloaded: ")
    return done.stdout, err, [m for m in loaded.split(",") if m]


def test_every_stored_csv_is_what_score_prints(built, catalog):
    store, scheme = built
    assert lookup.stored_csv(store.directory, None, None, "wijk", "2024") is None  # not yet
    lookup.remember(store, lookup.load_definitions(None, None))
    key = results.results_key(store, catalog, scheme)
    found = results.manifest(store, catalog, scheme)
    checked = 0
    for level in found["levels"]:
        stems = sorted(p.name.split(".")[0] for p in
                       (store.directory / results.RESULTS_DIR / key / level).glob("*.csv.gz"))
        assert stems
        for period in [*stems, None]:
            quick = lookup.stored_csv(store.directory, None, None, level, period)
            live = score(store, catalog, scheme, level=level, period=period)
            assert quick is not None and quick.text == csvsafe.to_csv(live.table), (level, period)
            assert quick.notes == live.notes
            checked += 1
    assert checked > 30
    # what is not stored is not found: the caller scores it
    assert lookup.stored_csv(store.directory, None, None, "wijk", "1999") is None
    assert lookup.stored_csv(store.directory, None, None, "../wijk", "2024") is None
    assert lookup.stored_csv(store.directory, None, "gezondheidsmonitor", "wijk", "2024") is None


def test_the_command_prints_it_without_pandas(built, catalog):
    """The same bytes and notes as the command loading everything (``--within`` takes the
    slow path), and ``wijkkompas score`` and ``--help`` load neither pandas, YAML nor
    the settings (pydantic-settings) for it (Typer itself loads pydantic)."""
    store, scheme = built
    lookup.remember(store, lookup.load_definitions(None, None))
    args = ("score", "--level", "wijk", "--period", "2024", "--store", str(store.directory))
    out, err, loaded = _run(*args)
    assert loaded == []
    live = score(store, catalog, scheme, level="wijk", period="2024")
    assert out == csvsafe.to_csv(live.table)
    assert err.splitlines() == [f"note: {note}" for note in live.notes]
    # another value of a variable loading reads (its default): another digest, loaded
    slow_out, slow_err, slow_loaded = _run(*args, WIJKKOMPAS_YAML_ALIAS_BUDGET="10000")
    assert "pandas" in slow_loaded and (slow_out, slow_err) == (out, err)
    # the store named by $WIJKKOMPAS_STORE: the settings are read for it, nothing more
    by_env, _, loaded = _run(*args[:-2], WIJKKOMPAS_STORE=str(store.directory))
    assert by_env == out and loaded == ["pydantic_settings"]
    assert _run("--help")[2] == [] and _run("score", "--help")[2] == []
    within, _, loaded = _run(*args, "--within", "GM0518")
    assert "pandas" in loaded and within.count("\n") < out.count("\n")


def test_new_data_and_edited_files_are_never_served(built, catalog, tmp_path, real_data):
    from wijkkompas.ingest import ingest

    store, scheme = built
    mine = tmp_path / "mine.yaml"
    mine.write_text(ENTRY, encoding="utf-8")
    ours = lookup.load_definitions([mine], None)
    assert ours.digest is not None and "eigen_indicator_pct" in ours.catalog
    results.build(store, ours.catalog, ours.scheme, levels=("gemeente",))
    lookup.remember(store, ours)
    assert lookup.stored_csv(store.directory, [mine], None, "gemeente", "2020") is not None
    # the same file named by $WIJKKOMPAS_CATALOG is another digest, not remembered yet
    environ = {definitions.CATALOG_ENV: str(mine)}
    assert definitions.digest(None, None, environ) not in (None, ours.digest)
    # an edited file: another digest, found again only once loaded and remembered
    mine.write_text(ENTRY.replace("Own indicator", "Our indicator"), encoding="utf-8")
    assert lookup.stored_csv(store.directory, [mine], None, "gemeente", "2020") is None
    mine.unlink()
    assert definitions.digest([mine], None) is None
    assert lookup.stored_csv(store.directory, [mine], None, "gemeente", "2020") is None
    # new figures: another data version, whose folder has no index
    lookup.remember(store, lookup.load_definitions(None, None))
    assert lookup.stored_csv(store.directory, None, None, "gemeente", "2020") is not None
    report = ingest([real_data / "nl-gezondheid-2012-2016-2020" / "2016_65+.xlsx"], store,
                    catalog=catalog)
    assert report.changed
    assert lookup.stored_csv(store.directory, None, None, "gemeente", "2020") is None
    results.build(store, catalog, scheme, levels=("gemeente",))
    assert lookup.stored_csv(store.directory, None, None, "gemeente", "2020") is None
    lookup.remember(store, lookup.load_definitions(None, None))
    assert lookup.stored_csv(store.directory, None, None, "gemeente", "2020") is not None


def test_a_file_changed_while_loading_is_not_remembered(tmp_path, monkeypatch):
    import wijkkompas.schemes as schemes

    mine = tmp_path / "mine.yaml"
    mine.write_text(ENTRY, encoding="utf-8")
    real = schemes.load_scheme

    def edited_meanwhile(path, catalog):
        mine.write_text(ENTRY.replace("Own", "Other"), encoding="utf-8")
        return real(path, catalog)

    monkeypatch.setattr(schemes, "load_scheme", edited_meanwhile)
    assert lookup.load_definitions([mine], None).digest is None


def test_the_light_modules_agree_with_the_heavy_ones():
    """What the pandas-free modules list by hand is what the loaders use."""
    assert definitions.CATALOG_ENV == env_name("catalog")
    assert set(definitions.LOADING_ENV) == {env_name("catalog"), env_name("yaml_alias_budget")}
    assert BUNDLED == definitions.BUNDLED_SCHEMES
    assert SCHEME_HELP.endswith(": " + ", ".join(BUNDLED) + ".")
    assert DOMAIN_HELP == f"One of: {', '.join(DOMAINS)}."
