"""The files that define a catalog and a scheme, found and read without parsing them.

:func:`wijkkompas.catalog.load_catalog` and :func:`wijkkompas.schemes.load_scheme` read
their files through :func:`catalog_files` and :func:`scheme_file`; :func:`digest` hashes
the same files' bytes, so that ``wijkkompas score`` can find scores stored for these
definitions (:mod:`wijkkompas.analysis.lookup`) without loading YAML, pydantic or pandas.
Nothing here imports more than the standard library.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from . import __version__
from .errors import CatalogError

#: the bundled schemes, by name (``--scheme vierkant``)
BUNDLED_SCHEMES = ("default", "gezondheidsmonitor", "vierkant")
#: the variable that lists extra catalog files (``settings.Settings.catalog``)
CATALOG_ENV = "WIJKKOMPAS_CATALOG"
#: the variables loading a catalog or scheme reads (the list, YAML's alias budget)
LOADING_ENV = (CATALOG_ENV, "WIJKKOMPAS_YAML_ALIAS_BUDGET")


def catalog_files(extra: Sequence[Path | str] | None, listed: str | None, *,
                  defaults: bool = True) -> list[tuple[str, Traversable]]:
    """The catalog's files in the order they are read, each with its name in messages:
    the bundled ones (``default/<file>``, by name), then those ``listed`` (the value of
    ``$WIJKKOMPAS_CATALOG``: paths separated by the OS path separator), then ``extra``;
    raises :class:`~wijkkompas.errors.CatalogError` for a file that is not there."""
    found: list[tuple[str, Traversable]] = []
    if defaults:
        folder = resources.files("wijkkompas") / "catalog" / "default"
        found += sorted(((f"default/{f.name}", f) for f in folder.iterdir()
                         if f.name.endswith(".yaml")), key=lambda pair: pair[0])
    for path in [*(p for p in (listed or "").split(os.pathsep) if p), *(extra or [])]:
        path = Path(path)
        if not path.is_file():
            raise CatalogError(f"{path}: catalog file not found")
        found.append((str(path), path))
    return found


def scheme_file(path: Path | str | None) -> tuple[str, Traversable] | None:
    """The scheme file ``path`` names, with its name in messages: None or a bundled
    scheme's name (:data:`BUNDLED_SCHEMES`) that is not a file here is the bundled file
    (``schemes/<name>.yaml``); None when no such file exists."""
    name = "default" if path is None else str(path)
    if name in BUNDLED_SCHEMES and not Path(name).is_file():
        return f"schemes/{name}.yaml", resources.files("wijkkompas") / "schemes" / f"{name}.yaml"
    return (name, Path(name)) if Path(name).is_file() else None


def digest(catalog: Sequence[Path | str] | None, scheme: Path | str | None,
           environ: Mapping[str, str] | None = None) -> str | None:
    """A SHA-256 of everything loading this catalog and scheme reads: the wijkkompas
    version, the variables of :data:`LOADING_ENV` in ``environ`` (default the
    process's), and the name and bytes of each file;
    None when a file cannot be read (loading it would say why)."""
    env = os.environ if environ is None else environ
    parts = [__version__.encode()]
    parts += [f"{name}={env.get(name, '')}".encode() for name in LOADING_ENV]
    try:
        files = catalog_files(catalog, (env.get(CATALOG_ENV) or "").strip() or None)
        found = scheme_file(scheme)
        if found is None:
            return None
        for name, file in files:
            parts += [name.encode(), file.read_bytes()]
        parts += [b"scheme", found[0].encode(), found[1].read_bytes()]
    except (OSError, CatalogError):
        return None
    hashed = hashlib.sha256()
    for part in parts:  # each part with its length: no two lists of parts hash alike
        hashed.update(len(part).to_bytes(8, "big") + part)
    return hashed.hexdigest()
