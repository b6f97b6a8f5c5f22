"""The command line's outer boundary: what escapes a command is one line and exit 1.

Through the real console entry point (``wijkkompas.cli:main``) in a subprocess, and the
pieces in-process: the message in words, the traceback in the log, no SQL parameters.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from wijkkompas import boundary


def _main(*args: str, env_cache, tmp_path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "WIJKKOMPAS_CACHE": str(env_cache), "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-c", "from wijkkompas.cli import main; main()",
                           *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)


def test_an_os_error_is_one_line_and_exit_1(tmp_path, real_data):
    """A store path under a file, not a folder: creating the store fails in the OS; the
    user gets one line naming the path and the log, the log the traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    health = real_data / "nl-gezondheid-2012-2016-2020" / \
        "gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"
    cache = tmp_path / "cache"
    out = _main("ingest", str(health), "--store", str(blocker / "store"), env_cache=cache,
                tmp_path=tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr + out.stdout
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines == [f"error: Not a directory ({blocker / 'store'}); details in "
                     f"{cache / boundary.LOG_NAME}"]
    assert "NotADirectoryError" in (cache / boundary.LOG_NAME).read_text("utf-8")


def test_unexpected_errors_are_logged_not_shown(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WIJKKOMPAS_CACHE", str(tmp_path / "cache"))

    def broken():
        password_hash = "$argon2id$v=19$secret"  # a local the traceback must not print
        raise RuntimeError(f"bug near {len(password_hash)}")

    with pytest.raises(SystemExit) as exit_info:
        boundary.run(broken)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected error (RuntimeError): bug near 21; details in ")
    assert "argon2" not in err and "Traceback" not in err
    log = boundary.log_path().read_text("utf-8")
    assert "Traceback" in log and "RuntimeError: bug near 21" in log
    assert "argon2" not in log  # tracebacks carry no local variables


@pytest.mark.parametrize("error, words", [
    (OSError(28, "No space left on device", "/data/store.duckdb"),
     "the disk is full (/data/store.duckdb)"),
    (PermissionError(13, "Permission denied", "/srv/store"),
     "no permission to write or read (/srv/store)"),
    (MemoryError(), "not enough memory"),
])
def test_os_errors_in_words(error, words):
    assert boundary.describe(error).startswith(words)


def test_sql_and_bound_values_never_reach_the_user(tmp_path):
    """A database error of the plans store: SQLAlchemy would put the statement and the
    bound values (a password hash) in its message; the engine hides the values and the
    boundary shows only the driver's first line."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from wijkkompas.plans.db import PlanStore

    plans = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    with plans.engine.begin() as con:
        con.execute(text("CREATE TABLE t (name TEXT UNIQUE)"))
        con.execute(text("INSERT INTO t VALUES (:v)"), {"v": "$argon2id$secret"})
    with pytest.raises(IntegrityError) as info, plans.engine.begin() as con:
        con.execute(text("INSERT INTO t VALUES (:v)"), {"v": "$argon2id$secret"})
    assert "argon2" not in str(info.value)  # hide_parameters
    words = boundary.describe(info.value)
    assert words.startswith("the plans database could not be used (IntegrityError): ")
    assert "INSERT" not in words and "argon2" not in words
