"""The dask.distributed cluster that region runs use (issue 20): an existing scheduler
named by ``WIJKKOMPAS_DASK_SCHEDULER`` (``tcp://host:8786``), else a ``LocalCluster`` of
worker processes on this machine, one thread each (the region tasks are numpy, and two
threads of one process would share one GIL-bound interpreter for their Python loops).

``dask[distributed]`` is the optional extra ``wijkkompas[dask]``: imported only here and
only when a cluster is asked for.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
