"""Pictures where a picture says it better: a transition heatmap, an area's trajectory
against its peers, a hot-spot map. matplotlib with the Agg backend (no display needed);
the file's suffix picks PNG or SVG. Every title names the reference area and period.
"""
from __future__ import annotations

CLUSTER_COLOURS = {"HH": "#b2182b", "HL": "#ef8a62", "LH": "#67a9cf", "LL": "#2166ac",
                   "ns": "#eeeeee"}


def _figure(width=7, height=5):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt, *plt.subplots(figsize=(width, height))


def transition_heatmap(result, path, *, title: str | None = None) -> None:
    """Heatmap of the transition probabilities of a TransitionResult."""
    plt, fig, ax = _figure(7, 6)
    p = result.markov.probabilities
    image = ax.imshow(p.to_numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(p.columns)), p.columns)
    ax.set_yticks(range(len(p.index)), p.index)
    ax.set_xlabel("klasse in de volgende periode (next period)")
    ax.set_ylabel("klasse (class)")
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            v = p.iat[i, j]
            if v >= 0.01:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.5 else "black")
    panel = result.panel
    ax.set_title(title or f"Overgangen tussen klassen, {panel.level} "
                          f"({panel.vintage}-indeling), {panel.periods[0]}-{panel.periods[-1]}; "
                          f"n = {result.markov.n_areas}", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8, label="kans (probability)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def peer_trajectories(result, panel, path) -> None:
    """The area's composite over the periods against its peers' (PeerResult + ScorePanel)."""
    plt, fig, ax = _figure()
    wide = panel.wide("vulnerability")
    years = [int(p[:4]) for p in wide.columns]
    for code in result.peers["code"]:
        if code in wide.index:
            ax.plot(years, wide.loc[code].to_numpy(float), color="#999999", lw=1, alpha=0.7)
    code = result.area["code"]
    if code in wide.index:
        ax.plot(years, wide.loc[code].to_numpy(float), color="#b2182b", lw=2.5,
                label=f"{result.area.get('name', '')} ({code})")
    ax.plot([], [], color="#999999", label=f"{len(result.peers)} vergelijkbare gebieden in "
                                             f"{result.base_period}")
    ax.set_xticks(years)
    ax.set_ylabel("kwetsbaarheid (hoger = kwetsbaarder)")
    ax.set_title(f"Kwetsbaarheid t.o.v. alle {panel.level}en van Nederland "
                 f"({panel.vintage}-indeling)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def hotspot_map(result, geometry, path) -> None:
    """Map of the LISA clusters of a HotspotResult (geometry: GeoDataFrame with code)."""
    plt, fig, ax = _figure(7, 8)
    frame = geometry.merge(result.table[["code", "cluster"]], on="code", how="inner")
    for cluster, colour in CLUSTER_COLOURS.items():
        part = frame[frame["cluster"] == cluster]
        if len(part):
            part.plot(ax=ax, color=colour, linewidth=0.05, edgecolor="#ffffff",
                      label=f"{cluster} ({len(part)})")
    ax.set_axis_off()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in CLUSTER_COLOURS.values()]
    ax.legend(handles, [f"{k} ({int((frame['cluster'] == k).sum())})" for k in CLUSTER_COLOURS],
              fontsize=8, loc="upper left")
    ax.set_title(f"Hot spots van {result.variable}, {result.level} {result.period} "
                 f"(lokale Moran, p <= 0.05, t.o.v. alle {result.level}en); "
                 f"Moran's I = {result.moran['I']:.2f}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
