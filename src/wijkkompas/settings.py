"""Every environment variable wijkkompas reads, with its default and meaning: one
:class:`Settings` class (pydantic-settings), documented in ``docs/settings.md``.

Settings are read when they are used (:func:`settings`), never cached at import: a
process that sets a variable (``serve`` does for its workers, tests do with
``monkeypatch.setenv``) is seen at the next call. Validating the class takes about a
millisecond, too much for every request and YAML file, so the result is kept per set of
values (the variables' current values are the cache key, looked up at every call).
An empty or blank value counts as unset, as it always has. A value that cannot be read
(``WIJKKOMPAS_MAX_ROWS=abc``) is refused with :class:`~wijkkompas.errors.SettingsError`,
one sentence naming the variable.

Each field's environment variable is its ``validation_alias`` (:func:`env_name`); the
modules that use a setting keep their name for it (``limits.MAX_ROWS_ENV``, ...) for
their messages.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .errors import SettingsError


def _stripped(value: Any) -> Any:
    return (value.strip() or None) if isinstance(value, str) else value


def _blank_is_unset(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# a value of only spaces is as good as none (the OIDC and host settings always did this);
# a secret and a path are taken as they are written, spaces and all
Text = Annotated[str | None, BeforeValidator(_stripped)]
Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_unset)]
Folder = Annotated[Path | None, BeforeValidator(_blank_is_unset)]


def _env(name: str, default: Any, description: str) -> Any:
    return Field(default, validation_alias=name, description=description)


class Settings(BaseSettings):
    """The environment of one call. Names are exact (upper case); unknown variables are
    ignored."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True,
                                      extra="ignore", frozen=True)

    # where things live (config.py)
    store: Folder = _env("WIJKKOMPAS_STORE", None,
                         "The store directory (when `--store` is not given); default "
                         "`$XDG_DATA_HOME/wijkkompas`.")
    cache: Folder = _env("WIJKKOMPAS_CACHE", None,
                         "The HTTP cache of CBS downloads and the fetch log; default "
                         "`$XDG_CACHE_HOME/wijkkompas`.")
    presets: Folder = _env("WIJKKOMPAS_PRESETS", None,
                           "The folder of the user's fetch presets; default "
                           "`$XDG_CONFIG_HOME/wijkkompas/presets`.")
    catalog: Text = _env("WIJKKOMPAS_CATALOG", None,
                         "Extra catalog files, separated by `:` (`;` on Windows), read "
                         "after the bundled catalog.")
    xdg_data_home: Folder = _env("XDG_DATA_HOME", None,
                                 "The XDG data folder; default `~/.local/share`.")
    xdg_cache_home: Folder = _env("XDG_CACHE_HOME", None,
                                  "The XDG cache folder; default `~/.cache`.")
    xdg_config_home: Folder = _env("XDG_CONFIG_HOME", None,
                                   "The XDG configuration folder; default `~/.config`.")
    # plans (plans/db.py)
    plans_db: Text = _env("WIJKKOMPAS_PLANS_DB", None,
                          "The plans database: a SQLAlchemy URL (`postgresql://...`) or a "
                          "SQLite file; default `plans.sqlite` in the store directory.")
    user: Text = _env("WIJKKOMPAS_USER", None,
                      "The author named in plan versions saved from the command line; "
                      "default the login name.")
    # the web app (web/)
    secret_key: Secret = _env("WIJKKOMPAS_SECRET_KEY", None,
                              "The key that signs session cookies; required for "
                              "`serve --workers N`; default a random key per process.")
    scheme: Text = _env("WIJKKOMPAS_SCHEME", None,
                        "The scoring scheme of the app that `serve` starts (a file, or "
                        "a bundled scheme such as vierkant); `serve --scheme` sets it; "
                        "default the bundled scheme.")
    allowed_hosts: Text = _env("WIJKKOMPAS_ALLOWED_HOSTS", None,
                               "The host names the app answers to, comma-separated "
                               "(`*.example.nl` allowed); default `localhost`, "
                               "`127.0.0.1`, `::1`, `testserver`.")
    max_body_kb: float = _env("WIJKKOMPAS_MAX_BODY_KB", 1024,
                              "The largest request body in KB; more is answered 413.")
    pdf_concurrency: int = _env("WIJKKOMPAS_PDF_CONCURRENCY", 2,
                                "PDF reports rendered at once per process (at least 1).")
    web_threads: Annotated[int, Field(ge=1)] = _env(
        "WIJKKOMPAS_WEB_THREADS", 4,
        "Threads per web worker for the routes' work that blocks (the database, pages "
        "made; PDF reports have their own); more only make each other and the kept "
        "answers wait (docs/performance.md); at least 1.")
    answer_cache_mb: Annotated[float, Field(ge=0)] = _env(
        "WIJKKOMPAS_ANSWER_CACHE_MB", 64,
        "The answers each web worker keeps for visitors who are not logged in, in MB "
        "(web/answers.py); 0 keeps none.")
    trusted_proxies: Text = _env("WIJKKOMPAS_TRUSTED_PROXIES", None,
                                 "The proxy addresses whose `X-Forwarded-For`/`-Proto` "
                                 "are believed, comma-separated; default nobody.")
    forwarded_allow_ips: Text = _env("FORWARDED_ALLOW_IPS", None,
                                     "uvicorn's own name for the trusted proxies, read "
                                     "when `WIJKKOMPAS_TRUSTED_PROXIES` is unset.")
    oidc_issuer: Text = _env("WIJKKOMPAS_OIDC_ISSUER", None,
                             "The OpenID Connect issuer URL; with the client id it turns "
                             "on login through that provider.")
    oidc_client_id: Text = _env("WIJKKOMPAS_OIDC_CLIENT_ID", None,
                                "The app's client id at the OpenID Connect provider.")
    oidc_client_secret: Secret = _env("WIJKKOMPAS_OIDC_CLIENT_SECRET", None,
                                      "The app's client secret at the provider.")
    oidc_username_claim: Text = _env("WIJKKOMPAS_OIDC_USERNAME_CLAIM", None,
                                     "The ID-token claim that is the wijkkompas "
                                     "username; default `preferred_username`.")
    oidc_organisation_claim: Text = _env("WIJKKOMPAS_OIDC_ORGANISATION_CLAIM", None,
                                         "The claim that fills a new user's organisation; "
                                         "default none.")
    oidc_name: Text = _env("WIJKKOMPAS_OIDC_NAME", None,
                           "The provider's name on the login button; default the "
                           "issuer's host name.")
    # reading files (sources/limits.py, yamlsafe.py)
    max_file_mb: float = _env("WIJKKOMPAS_MAX_FILE_MB", 2048,
                              "The largest file a reader takes, in MB after unpacking.")
    max_rows: int = _env("WIJKKOMPAS_MAX_ROWS", 20_000_000,
                         "The most data rows of one table or sheet a reader takes.")
    yaml_alias_budget: int = _env("WIJKKOMPAS_YAML_ALIAS_BUDGET", 10_000,
                                  "The nodes a YAML document's aliases may add "
                                  "(against alias bombs).")
    # computing
    dask_scheduler: Text = _env("WIJKKOMPAS_DASK_SCHEDULER", None,
                                "The address of a dask.distributed scheduler "
                                "(`tcp://host:8786`) for `hotspots --regions` and "
                                "`score --regions`; default none: a local cluster of "
                                "worker processes.")


class _Values(Settings):
    """Settings from the values given only: :func:`settings` reads them (from
    ``os.environ`` or another mapping), so that they are also the cache key."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# pydantic's error type -> what the variable must hold
_EXPECTED = {"int_parsing": "a whole number", "int_from_float": "a whole number",
             "float_parsing": "a number", "path_type": "a path"}


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in ``environ`` (default: the process environment), read now."""
    env = os.environ if environ is None else environ
    values = tuple((name, value) for name in _NAMES if (value := env.get(name)))
    return _validated(values)


@lru_cache(maxsize=64)
def _validated(values: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return _Values(**dict[str, Any](values))
    except ValidationError as exc:
        raise SettingsError("; ".join(
            f"${error['loc'][0]} is {error['input']!r}, which is not "
            f"{_EXPECTED.get(error['type'], 'valid')}" for error in exc.errors())
            + " (see docs/settings.md)") from None


def env_names() -> dict[str, str]:
    """Field name -> environment variable, in the order of the class."""
    return {name: str(field.validation_alias)
            for name, field in Settings.model_fields.items()}


_NAMES = tuple(env_names().values())


def env_name(field: str) -> str:
    """The environment variable of one setting (``env_name("max_rows")``)."""
    return env_names()[field]
