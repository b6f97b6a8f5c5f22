"""The dask.distributed cluster that region runs use (issue 20): an existing scheduler
named by ``WIJKKOMPAS_DASK_SCHEDULER`` (``tcp://host:8786``), else a ``LocalCluster`` of
worker processes on this machine, one thread each (the region tasks are numpy, and two
threads of one process would share one GIL-bound interpreter for their Python loops).

:func:`regions_of` cuts the areas into regions, :func:`executing` gives the Client an
``executor`` names, and :class:`RegionRun` keeps one state per region (on the workers,
or here) through a run's steps, gathering arrays back in the areas' own order.

``dask[distributed]`` is the optional extra ``wijkkompas[dask]``: imported only here and
only when a cluster is asked for.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import WijkkompasError
from .settings import env_name, settings

SCHEDULER_VARIABLE = env_name("dask_scheduler")


def scheduler_address() -> str | None:
    """The scheduler address configured in the environment, or None (a local cluster)."""
    return settings().dask_scheduler


@contextmanager
def connect(workers: int | None = None, address: str | None = None) -> Iterator:
    """A ``dask.distributed.Client`` for the block: of ``address`` (default
    :func:`scheduler_address`), else of a new ``LocalCluster`` with ``workers``
    processes (default 2) of one thread, closed at the end of the block."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise WijkkompasError("a cluster run needs dask.distributed: pip install "
                              "'wijkkompas[dask]'") from None
    address = address or scheduler_address()
    if address:
        try:
            client = Client(address, timeout="10s")
        except OSError as error:
            raise WijkkompasError(f"no Dask scheduler answers at {address} "
                                  f"({SCHEDULER_VARIABLE}): {error}") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def worker_count(client) -> int:
    """The number of worker threads of ``client``'s cluster (at least 1)."""
    return max(1, sum(client.nthreads().values()))


def unknown_executor(executor) -> WijkkompasError:
    """The error for an ``executor`` that is none of the three a run takes."""
    return WijkkompasError(f"unknown executor {executor!r}: 'process', 'serial' or a "
                           "dask.distributed Client")


@contextmanager
def executing(executor, workers: int | None = None) -> Iterator:
    """The Client of a region run for the block: None for ``"serial"`` (every region in
    this process), a :func:`connect` cluster of ``workers`` for ``"process"``, or the
    ``dask.distributed.Client`` given (left open)."""
    if executor == "serial":
        yield None
    elif executor == "process":
        with connect(workers) as client:
            yield client
    elif hasattr(executor, "submit"):
        yield executor
    else:
        raise unknown_executor(executor)


def regions_of(labels: Sequence | None, n: int, parts: int) -> list[np.ndarray]:
    """The regions as arrays of row positions: one per distinct label (a gemeente code
    per area), or ``parts`` blocks of consecutive rows (grid cells in code order are
    strips of the country) when there are no labels."""
    if labels is not None:
        import pandas as pd

        groups = pd.Series(np.asarray(labels, dtype=object)).groupby(
            np.asarray(labels, dtype=object), sort=True).indices
        return [np.asarray(v, dtype=np.int64) for v in groups.values()]
    return [part for part in np.array_split(np.arange(n, dtype=np.int64), max(1, parts))
            if part.size]


def _pick(state: dict, names: list) -> dict:
    """The named arrays of one region's state (a task: only these travel back)."""
    return {name: state[name] for name in names}


class RegionRun:
    """One state per region (a dict of arrays over the region's rows, row ``i`` of a
    region's arrays being area ``rows[i]``), stepped by pure functions ``state ->
    state``: in this process (``client`` None), or on a ``dask.distributed`` cluster,
    where each state stays on its worker as a future from step to step and only what
    :meth:`gather` asks for comes back.

    Parameters
    ----------
    states
        The regions' first states, in the order of ``rows``.
    rows
        Per region the global positions of its areas (together each of 0..n-1 once);
        None when a step on the regions finds them (:meth:`place`).
    """

    def __init__(self, states: list[dict], rows: list[np.ndarray] | None = None,
                 client=None):
        self.client = client
        self.rows: list[np.ndarray] = []
        self.n = 0
        if rows is not None:
            self.place(rows)
        self.states: list = states if client is None else client.scatter(states, hash=False)

    def place(self, rows: list[np.ndarray]) -> None:
        """Set each region's global positions (the areas are ``sum(len(rows))``)."""
        self.rows, self.n = rows, sum(len(r) for r in rows)

    def step(self, function: Callable[..., dict], *shared) -> None:
        """``state = function(state, *shared)`` for every region; ``shared`` (the same for
        all, e.g. reference statistics) is sent to each worker once."""
        if self.client is None:
            self.states = [function(state, *shared) for state in self.states]
            return
        from distributed import wait

        # new keys each time (hash=False): a key named by its content, released after one
        # step and sent again in the next, can be freed under the next step's tasks
        sent = (self.client.scatter(list(shared), broadcast=True, hash=False)
                if shared else [])
        states = [self.client.submit(function, state, *sent, pure=False)
                  for state in self.states]
        # scattered data cannot be computed again: the futures of the states and of
        # ``shared`` are held until every task that reads them is done
        wait(states)
        self.states = states

    def map(self, function: Callable[..., Any], *shared) -> list:
        """``function(state, *shared)`` of every region, brought here in the regions'
        order; the states stay as they are (small results: counts, a table of counts)."""
        if self.client is None:
            return [function(state, *shared) for state in self.states]
        return self.client.gather([self.client.submit(function, state, *shared, pure=False)
                                   for state in self.states])

    def collect(self, names: list[Hashable]) -> list[dict]:
        """The named values of each region's state, one dict per region in their order."""
        return self.map(_pick, list(names))

    def gather(self, names: list[Hashable]) -> dict:
        """The named arrays of every region put together: full arrays over all n areas,
        each region's rows at their own positions (:meth:`place`; so in the areas'
        order, whatever the regions)."""
        parts = self.collect(names)
        out = {}
        for name in names:
            first = np.asarray(parts[0][name])
            full = np.empty((self.n, *first.shape[1:]), dtype=first.dtype)
            for rows, part in zip(self.rows, parts, strict=True):
                full[rows] = part[name]
            out[name] = full
        return out
