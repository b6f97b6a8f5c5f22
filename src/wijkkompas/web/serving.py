"""How ``wijkkompas serve`` runs the web app: the deployment policy, apart from the CLI.

- **One process** (``workers == 1``): the app is made and its caches warmed here
  (:func:`~wijkkompas.web.app.create_app` with ``warm=True``), then uvicorn serves it.
- **Several processes** (``workers > 1``): uvicorn can only start workers from an import
  string, so each worker builds its own app with
  :func:`~wijkkompas.web.app.app_from_env` and the settings travel in the environment:
  the store (``$WIJKKOMPAS_STORE``), the plans database (``$WIJKKOMPAS_PLANS_DB``) and
  the scoring scheme (``$WIJKKOMPAS_SCHEME``) are set here. The plans database is
  migrated once, here, before the workers start (workers opening a fresh database
  together would race); DuckDB is only read; caches are per process. SQLite works but
  queues every write on one file lock: PostgreSQL is advised.
- **The secret key** (``$WIJKKOMPAS_SECRET_KEY``) signs the session cookies. Several
  workers need it (a random key per process would make each reject the others' cookies);
  so does any address other than this computer's (sessions must survive a restart). On
  this computer alone a random key is used, with a warning (logins end with the process).
- **Proxies** (:func:`trusted_proxies`): ``X-Forwarded-For``/``-Proto`` are believed only
  from the addresses configured; by default from nobody.

A refused setting raises :class:`~wijkkompas.errors.WijkkompasError`; warnings go to the
caller's ``warn``, in the order they arise.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import STORE_ENV
from ..errors import WijkkompasError
from ..plans.db import ENV_VAR as PLANS_DB_ENV
from ..plans.db import plans_url
from ..settings import env_name, settings
from .auth import SECRET_ENV

if TYPE_CHECKING:
    from fastapi import FastAPI

TRUSTED_PROXIES_ENV = env_name("trusted_proxies")
SCHEME_ENV = env_name("scheme")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SECRET_HINT = ("a long random string, e.g. `python -c 'import secrets; "
               "print(secrets.token_urlsafe(48))'`")


def trusted_proxies() -> dict[str, Any]:
    """uvicorn's proxy settings: ``X-Forwarded-For``/``-Proto`` are believed only from the
    addresses in $WIJKKOMPAS_TRUSTED_PROXIES (or uvicorn's own $FORWARDED_ALLOW_IPS),
    comma-separated; by default from nobody (uvicorn would believe 127.0.0.1, so anyone on
    the machine could pick the address the login limit counts)."""
    found = settings()
    trusted = found.trusted_proxies or found.forwarded_allow_ips or ""
    trusted = ",".join(part.strip() for part in trusted.split(",") if part.strip())
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def check_secret(host: str, workers: int) -> str | None:
    """Refuse to serve without $WIJKKOMPAS_SECRET_KEY where a random key would break
    sessions (several workers, an address beyond this computer); else the warning to
    give when the key is missing (``None`` when it is set)."""
    if workers < 1:
        raise WijkkompasError("--workers must be 1 or more")
    if settings().secret_key is not None:
        return None
    if workers > 1:
        raise WijkkompasError(f"--workers {workers} needs ${SECRET_ENV}, shared by all "
                              f"workers ({SECRET_HINT}); see docs/deploy.md")
    if host not in LOCAL_HOSTS:
        raise WijkkompasError(f"set ${SECRET_ENV} ({SECRET_HINT}) to serve on {host}; see "
                              "docs/deploy.md")
    return (f"${SECRET_ENV} is not set; using a random key for this process (logins end "
            "when it stops)")


@dataclass(frozen=True)
class Launch:
    """What uvicorn runs: the app made in this process, or ``workers`` worker processes
    that each make their own (:func:`~wijkkompas.web.app.app_from_env`)."""

    app: FastAPI | None
    workers: int

    def run(self, host: str, port: int) -> None:
        """Serve until stopped (Ctrl+C, SIGTERM)."""
        import uvicorn

        options = {"host": host, "port": port, "log_level": "warning", **trusted_proxies()}
        if self.app is not None:
            uvicorn.run(self.app, **options)
        else:
            uvicorn.run("wijkkompas.web.app:app_from_env", factory=True,
                        workers=self.workers, **options)


def prepare(directory: Path, host: str, *, workers: int = 1, plans_db: str | None = None,
            scheme: Path | str | None = None, warn: Callable[[str], None]) -> Launch:
    """Check the settings and get the app ready to serve the store in ``directory``
    (``plans_db``: the plans database, else $WIJKKOMPAS_PLANS_DB or the store's SQLite;
    ``scheme``: the scoring scheme, a file or a bundled name such as ``vierkant`` for
    grid cells, else $WIJKKOMPAS_SCHEME or the default)."""
    # the environment, not an argument: worker processes read them (app_from_env)
    if plans_db:
        os.environ[PLANS_DB_ENV] = plans_db
    if scheme:
        os.environ[SCHEME_ENV] = str(scheme)
    missing_secret = check_secret(host, workers)
    if missing_secret:
        warn(missing_secret)
    if workers == 1:
        from .app import create_app

        return Launch(create_app(directory, warm=True, scheme_file=settings().scheme), 1)
    from ..plans import PlanStore
    from ..store import Store
    from .state import require_store

    if plans_url(store_dir=directory).startswith("sqlite"):
        warn(f"the plans database is SQLite; with {workers} workers writes queue on one "
             f"file lock. Use PostgreSQL (${PLANS_DB_ENV} or --db); see docs/deploy.md")
    require_store(Store(directory))
    # migrate once here: workers opening a fresh database together would race
    PlanStore(store_dir=directory).close()
    os.environ[STORE_ENV] = str(directory)
    return Launch(None, workers)
