"""The store a benchmark runs on: the one given with ``--store``, else the bundled data
loaded into a temporary store first (not timed)."""
from __future__ import annotations

import tempfile
from collections.abc import Callable


def on_store(store: str | None, run: Callable[[str], None]) -> None:
    if store:
        run(store)
        return
    from wijkkompas.demo import load_bundled
    from wijkkompas.store import Store

    with tempfile.TemporaryDirectory() as folder:
        load_bundled(Store(folder))
        run(folder)
