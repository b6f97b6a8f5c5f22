"""The ``wijkkompas`` command (Typer), one module per command family.

Commands parse their options, call the Python API and print; the logic lives in the API.
Each family module holds a Typer app of its own, merged here into :data:`app`:

- :mod:`.data`: version, ingest, fetch, areas, indicators, show, export, demo, build;
- :mod:`.analysis`: score, explain;
- :mod:`.change`: harmonise, trends, transitions, warn, peers, hotspots;
- :mod:`.serve`: serve (the deployment policy is :mod:`wijkkompas.web.serving`);
- :mod:`.plans`: ``plan ...``, plans-backup, plans-restore;
- :mod:`.users`: ``user ...``;

with :mod:`.options` (the shared options) and :mod:`.output` (consoles, number format,
progress bars, notes). A command imports what it needs when it runs, so that
``wijkkompas --help`` and ``wijkkompas score`` load no web app, plans or plotting library.

Two error boundaries, one inside the other: :class:`Commands`, the root group, turns a
:class:`~wijkkompas.errors.WijkkompasError` raised by any command into
``error: <message>`` on standard error and exit 1; whatever else escapes (a full disk, a
bug) reaches :func:`wijkkompas.boundary.run`, which :func:`main` runs the app inside.
"""
from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from ..errors import WijkkompasError
from . import analysis, change, data, plans, serve, users
from .output import console, errors

__all__ = ["app", "console", "errors", "main"]


class Commands(TyperGroup):
    """The root command group: the one place where a refused command becomes its message.

    A :class:`~wijkkompas.errors.WijkkompasError` from any command (or sub-command) is
    printed as ``error: <message>`` on standard error, never read as markup (it may quote
    a file name or a cell), and the command ends with exit status 1.
    """

    # ctx is left untyped: its type is the click Context that Typer vendors privately
    def invoke(self, ctx) -> Any:
        try:
            return super().invoke(ctx)
        except WijkkompasError as exc:
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None


app = typer.Typer(cls=Commands,
                  help="wijkkompas: monitor, analyse and plan the integrated neighbourhood "
                       "approach (integrale meerjarige wijkaanpak).",
                  no_args_is_help=True, add_completion=False,
                  # a traceback with local variables could show a password hash
                  pretty_exceptions_show_locals=False)
for family in (data.app, analysis.app, change.app, serve.app):
    app.add_typer(family)
app.add_typer(plans.app, name="plan")
app.add_typer(users.app, name="user")
app.add_typer(plans.backups)


def main() -> None:
    """The console entry point: the app inside the outer error boundary
    (:mod:`wijkkompas.boundary`)."""
    from ..boundary import run

    run(app)
