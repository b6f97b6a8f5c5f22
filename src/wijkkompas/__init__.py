"""wijkkompas: monitor, analyse and plan the integrated multi-year neighbourhood approach.

The public Python API::

    from wijkkompas import Store, ingest, load_catalog, area_profile
    store = Store("my-store")
    ingest(["table.csv"], store)
    area, figures = area_profile(store, load_catalog(), "Moerwijk")

The names are imported on first use (PEP 562's module ``__getattr__``), so that a
process that needs only part of the package (``wijkkompas score`` printing stored
scores, ``wijkkompas --help``) does not load pandas, YAML and the settings with it.
"""
from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that holds it
_API = {"Catalog": "catalog", "Indicator": "catalog", "load_catalog": "catalog",
        "export": "export", "ingest": "ingest", "read_file": "ingest",
        "area_profile": "profile", "IngestReport": "store", "Store": "store"}

if TYPE_CHECKING:
    from .catalog import Catalog, Indicator, load_catalog
    from .export import export
    from .ingest import ingest, read_file
    from .profile import area_profile
    from .store import IngestReport, Store


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'wijkkompas' has no attribute {name!r}")
    value = getattr(import_module(f".{_API[name]}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


class _Package(ModuleType):
    """The package's module type: ``export`` and ``ingest`` stay the functions.

    Importing a submodule sets it as an attribute of its package; ``wijkkompas.ingest``
    and ``wijkkompas.export`` are submodules named after the function each holds, so
    that attribute would hide the function from ``from wijkkompas import ingest`` once
    anything had imported the module. The function is kept instead, as the eager
    ``from .ingest import ingest`` of earlier versions left it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("export", "ingest") and isinstance(value, ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = ["Catalog", "Indicator", "IngestReport", "Store", "area_profile", "export",
           "ingest", "load_catalog", "read_file", "__version__"]
