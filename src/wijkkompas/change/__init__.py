"""Change over time and space (issue 4): harmonisation, trends, transitions, early
warning, peers and hot spots.

    from wijkkompas.change import trends, transitions, early_warning, peers, hotspots
    result = trends(store, catalog, level="wijk", vintage=2022)

Every module states its assumptions and formulas in its docstring (Notes):
:mod:`.harmonise` (crosswalks, counts split, rates averaged), :mod:`.trends` (slope,
noise, classification, trajectory types), :mod:`.transitions` (giddy Markov, spatial
Markov, mobility, Kendall's tau), :mod:`.warning` (vroegsignalering), :mod:`.peers`
(similar areas, twins, decomposition), :mod:`.spatial` (Queen weights, Moran's I,
LISA hot spots by esda.Moran_Local in its process pool or on Dask, stored as Parquet
next to the store), :mod:`.lisa` (local Moran by region plus halo on a dask.distributed
cluster, our own conditional permutation).
"""
from .harmonise import (
    Crosswalk,
    HarmoniseResult,
    crosswalk_from_boundaries,
    crosswalk_from_table,
    harmonise,
    harmonise_store,
    read_crosswalk,
)
from .panel import ScorePanel, score_panel
from .peers import PeerResult, decompose, peers
from .spatial import (
    HotspotResult,
    global_moran,
    hotspots,
    local_moran,
    read_hotspots,
    spatial_lag,
    weights_for,
)
from .transitions import (
    MarkovResult,
    TransitionResult,
    markov,
    mobility_indices,
    rank_mobility,
    spatial_markov,
    transitions,
)
from .trends import TrendResult, trajectories, trends
from .warning import WarningResult, early_warning

__all__ = [
    "Crosswalk", "HarmoniseResult", "HotspotResult", "MarkovResult", "PeerResult",
    "ScorePanel", "TransitionResult", "TrendResult", "WarningResult", "crosswalk_from_boundaries",
    "crosswalk_from_table", "decompose", "early_warning", "global_moran", "harmonise",
    "harmonise_store", "hotspots", "local_moran", "markov", "mobility_indices", "peers",
    "rank_mobility", "read_crosswalk", "read_hotspots", "score_panel", "spatial_lag",
    "spatial_markov", "trajectories", "transitions", "trends", "weights_for"]
