"""Where things live. One rule per setting, read from the environment when not given.

- store directory: ``--store DIR`` > ``$WIJKKOMPAS_STORE`` > ``$XDG_DATA_HOME/wijkkompas``
  (``~/.local/share/wijkkompas``);
- HTTP cache for CBS downloads: ``$WIJKKOMPAS_CACHE`` > ``$XDG_CACHE_HOME/wijkkompas``;
- extra catalog files: ``$WIJKKOMPAS_CATALOG`` (see :mod:`wijkkompas.catalog`);
- user fetch presets: ``$WIJKKOMPAS_PRESETS`` > ``$XDG_CONFIG_HOME/wijkkompas/presets``
  (``~/.config/wijkkompas/presets``; see :mod:`wijkkompas.sources.presets`).

The variables are read through :mod:`wijkkompas.settings`.
"""
from __future__ import annotations

from pathlib import Path

from .settings import env_name, settings

STORE_ENV = env_name("store")
CACHE_ENV = env_name("cache")
PRESETS_ENV = env_name("presets")


def _xdg(configured: Path | None, fallback: str) -> Path:
    return configured or Path.home() / fallback


def store_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    now = settings()
    return now.store or _xdg(now.xdg_data_home, ".local/share") / "wijkkompas"


def cache_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    now = settings()
    return now.cache or _xdg(now.xdg_cache_home, ".cache") / "wijkkompas"


def presets_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    now = settings()
    return now.presets or _xdg(now.xdg_config_home, ".config") / "wijkkompas" / "presets"
