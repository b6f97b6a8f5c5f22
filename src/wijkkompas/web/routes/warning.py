"""The early-warning page (``/signalen``): areas that still look fine but decline."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ...schemes import BUNDLED
from .. import views
from ..answers import SHARED
from ..deps import DataDep, LangDep, render

router = APIRouter(include_in_schema=False)


@router.get("/signalen", dependencies=SHARED)
def warning_page(request: Request, data: DataDep, lang: LangDep,
                 level: Literal["gemeente", "wijk", "buurt", "vierkant500",
                                "vierkant100"] = "wijk",
                 gemeente: Annotated[str | None, Query(max_length=12)] = None,
                 page: Annotated[int, Query(ge=1, le=10000)] = 1,
                 maatstaf: Annotated[str | None, Query(max_length=40)] = None):
    table = views.warning_table(data, level, lang, gemeente or None, page=page,
                                scheme=maatstaf or None)
    return render(request, "warning.html", {"w": table, "level": level,
                                            "gemeente": gemeente or "",
                                            "gemeenten": data.gemeenten(),
                                            "levels": data.levels(),
                                            "schemes": BUNDLED[1:]}, language=lang)
