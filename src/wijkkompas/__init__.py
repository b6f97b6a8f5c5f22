"""wijkkompas: monitor, analyse and plan the integrated multi-year neighbourhood approach.

The public Python API::

    from wijkkompas import Store, ingest, load_catalog, area_profile
    store = Store("my-store")
    ingest(["table.csv"], store)
    area, figures = area_profile(store, load_catalog(), "Moerwijk")
"""
__version__ = "0.1.0"

from .catalog import Catalog, Indicator, load_catalog
from .export import export
from .ingest import ingest, read_file
from .profile import area_profile
from .store import IngestReport, Store

__all__ = ["Catalog", "Indicator", "IngestReport", "Store", "area_profile", "export",
           "ingest", "load_catalog", "read_file", "__version__"]
