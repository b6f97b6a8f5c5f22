"""The serve command: the web app with uvicorn (the policy: :mod:`wijkkompas.web.serving`)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import PlansDbOption, SchemeOption, StoreOption
from .output import console, errors

app = typer.Typer()


def run_web_app(directory: Path, host: str, port: int, workers: int = 1,
                plans_db: str | None = None, scheme: Path | None = None) -> None:
    """Serve the store in ``directory`` until stopped, saying where (``serve``, ``demo``)."""
    from ..web import serving

    launch = serving.prepare(directory, host, workers=workers, plans_db=plans_db,
                             scheme=scheme,
                             warn=lambda text: errors.print(f"warning: {text}",
                                                            highlight=False))
    console.print(f"web app: http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs; "
                  "stop with Ctrl+C)" + (f"; {workers} workers" if workers > 1 else ""),
                  highlight=False)
    launch.run(host, port)


@app.command()
def serve(store: StoreOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 = this "
                                                 "computer only).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          workers: Annotated[int, typer.Option(
              help="Worker processes; more than 1 needs $WIJKKOMPAS_SECRET_KEY and wants "
                   "PostgreSQL for the plans (docs/deploy.md).")] = 1,
          db: PlansDbOption = None, scheme: SchemeOption = None) -> None:
    """Start the web application (map, area profiles, rankings, compare, early warning)."""
    from ..store import Store

    run_web_app(Store(store).directory, host, port, workers=workers, plans_db=db,
                scheme=scheme)
