"""Where things live. One rule per setting, read from the environment when not given.

- store directory: ``--store DIR`` > ``$WIJKKOMPAS_STORE`` > ``$XDG_DATA_HOME/wijkkompas``
  (``~/.local/share/wijkkompas``);
- HTTP cache for CBS downloads: ``$WIJKKOMPAS_CACHE`` > ``$XDG_CACHE_HOME/wijkkompas``;
- extra catalog files: ``$WIJKKOMPAS_CATALOG`` (see :mod:`wijkkompas.catalog`);
- user fetch presets: ``$WIJKKOMPAS_PRESETS`` > ``$XDG_CONFIG_HOME/wijkkompas/presets``
  (``~/.config/wijkkompas/presets``; see :mod:`wijkkompas.sources.presets`).
"""
from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "WIJKKOMPAS_STORE"
CACHE_ENV = "WIJKKOMPAS_CACHE"
PRESETS_ENV = "WIJKKOMPAS_PRESETS"


def _xdg(variable: str, fallback: str) -> Path:
    return Path(os.environ.get(variable) or Path.home() / fallback)


def store_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    return _xdg("XDG_DATA_HOME", ".local/share") / "wijkkompas"


def cache_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return _xdg("XDG_CACHE_HOME", ".cache") / "wijkkompas"


def presets_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(PRESETS_ENV):
        return Path(os.environ[PRESETS_ENV])
    return _xdg("XDG_CONFIG_HOME", ".config") / "wijkkompas" / "presets"
