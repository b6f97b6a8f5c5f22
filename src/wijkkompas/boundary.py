"""The command line's outer boundary: every error becomes one clear message and exit 1.

The project's own errors (:class:`~wijkkompas.errors.WijkkompasError`) are caught by each
command and printed as they are. Whatever escapes a command (a full disk, a read-only
store, memory exhausted, a damaged database file, a bug) is caught here, in
:func:`run`, the console entry point: the user sees one line saying what happened in
words, never a stack trace, SQL or the values bound to it (a password hash, say); the
full traceback goes to the log file (:func:`log_path`), which the message names.

The plans database binds its values with SQLAlchemy's ``hide_parameters`` (see
:mod:`wijkkompas.plans.db`), so even the log holds no bound values.
"""
from __future__ import annotations

import errno
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from .errors import SettingsError

LOG_NAME = "wijkkompas.log"


def log_path() -> Path:
    """Where unexpected errors are logged: ``<cache dir>/wijkkompas.log``."""
    from . import config  # the settings are read only when there is something to log

    return config.cache_dir() / LOG_NAME


def describe(exc: BaseException) -> str:
    """The error in words, without SQL, bound values or a stack."""
    if isinstance(exc, MemoryError):
        return "not enough memory to finish (the file may be too large for this machine)"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return f"the disk is full{where}"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"no permission to write or read{where}: the folder may be read-only"
        return f"{exc.strerror or type(exc).__name__}{where}"
    origin = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    text = str(origin if origin is not None else exc).strip().splitlines()
    kind = type(origin if origin is not None else exc).__name__
    first = text[0][:300] if text else ""
    if type(exc).__module__.startswith(("duckdb", "_duckdb")):
        return f"the figures store could not be used: {first}"
    if type(exc).__module__.startswith("sqlalchemy"):
        return f"the plans database could not be used ({kind}): {first}"
    return f"unexpected error ({kind}): {first}"


def _log(exc: BaseException) -> Path | None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        logger = logging.getLogger("wijkkompas.cli")
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        try:
            logger.error("%s\n%s", " ".join(sys.argv),
                         "".join(traceback.format_exception(exc)))
        finally:
            logger.removeHandler(handler)
            handler.close()
    except OSError:  # the log cannot be written (a full or read-only disk): say so
        return None
    return path


def run(app: Callable[[], object]) -> None:
    """Run the command line; turn anything that escapes a command into exit 1."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except SettingsError as exc:  # also where the log lives: nothing to log to, nothing to hide
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the boundary: one message, details to the log
        logged = _log(exc)
        where = f"; details in {logged}" if logged else ""
        sys.stderr.write(f"error: {describe(exc)}{where}\n")
        sys.exit(1)
