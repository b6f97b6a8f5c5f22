"""About the data (``/over``): sources, vintages, indicator definitions, licences."""
from __future__ import annotations

from fastapi import APIRouter, Request

from .. import views
from ..answers import SHARED
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)

LIBRARIES = [
    ("Leaflet 1.9.4", "BSD-2-Clause", "vendor/licences/leaflet-1.9.4.LICENSE"),
    ("htmx 2.0.11", "0BSD", "vendor/licences/htmx-2.0.11.LICENSE"),
    ("Vega 6.4.0", "BSD-3-Clause", "vendor/licences/vega-6.4.0.LICENSE"),
    ("Vega-Lite 6.4.3", "BSD-3-Clause", "vendor/licences/vega-lite-6.4.3.LICENSE"),
    ("vega-embed 7.3.0", "BSD-3-Clause", "vendor/licences/vega-embed-7.3.0.LICENSE"),
    ("axe-core 4.14.1 (alleen in de tests / tests only)", "MPL-2.0",
     "vendor/licences/axe-core-4.14.1.LICENSE"),
]


@router.get("/over", dependencies=SHARED)
def about_page(request: Request, data: DataDep, lang: LangDep):
    return render(request, "about.html", {"a": views.about(data, lang), "libraries": LIBRARIES,
                                            "direction_names": views.DIRECTION_NAMES,
                                            "perspective_names": views.PERSPECTIVE_NAMES},
                  language=lang)
