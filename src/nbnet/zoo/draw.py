"""The zoo in the chart's visual language: a coloured circle per cell, layers as columns.

Colours follow the families of Fjodor van Veen's chart (yellow inputs, green hidden cells, orange
outputs, blue recurrent and memory cells, purple kernels, pink feature maps); a variant of a family
adds a mark inside its circle (a ring, a dot, a triangle). Each declared cell is exactly one
``matplotlib.patches.Circle``; the marks, self-loops and links are other artists. matplotlib is
imported only when something is drawn.
"""

from __future__ import annotations

import textwrap

import numpy as np

from nbnet.zoo.describe import cell_label
from nbnet.zoo.specs import CELL_KINDS, LINK_KINDS, NETWORKS, get_network

RADIUS, COLUMN_GAP, ROW_GAP, RING_RADIUS = 0.3, 1.6, 1.0, 1.6
STYLE = {  # kind: (face colour, mark inside the circle)
    "input": ("#f4e04d", None), "backfed_input": ("#f4e04d", "ring"),
    "noisy_input": ("#f4e04d", "triangle"), "hidden": ("#7cc96f", None),
    "probabilistic_hidden": ("#7cc96f", "dot"), "spiking_hidden": ("#7cc96f", "triangle"),
    "output": ("#f28c4a", None), "match_input_output": ("#f28c4a", "ring"),
    "recurrent": ("#5b8def", None), "memory": ("#5b8def", "ring"),
    "different_memory": ("#5b8def", "triangle"), "kernel": ("#b07cd8", None),
    "convolution": ("#ec79a9", None), "pool": ("#ec79a9", "dot"),
}
LINK_STYLE = {  # kind: (colour, line style, width, arrow)
    "full": ("0.55", "-", 0.7, True), "local": ("#b0517f", "-", 0.8, True),
    "one_to_one": ("#1f5fa8", "-", 1.1, True), "random": ("0.45", "--", 0.7, True),
    "symmetric": ("#7a1f5c", "-", 1.2, False), "neighbours": ("#2b7a3d", ":", 1.4, False),
}


def cell_positions(spec) -> list:
    """``[(x, y), ...]`` for every cell of ``spec``, layer by layer, top to bottom."""
    if spec.layout == "ring":
        n = spec.n_cells
        angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
        return [(RING_RADIUS * np.cos(a), RING_RADIUS * np.sin(a)) for a in angles]
    return [(i * COLUMN_GAP, ((len(layer) - 1) / 2 - j) * ROW_GAP)
            for i, layer in enumerate(spec.cells) for j in range(len(layer))]


def _index(spec) -> list:
    """Per layer, the indices of its cells in :func:`cell_positions`."""
    out, k = [], 0
    for layer in spec.cells:
        out.append(list(range(k, k + len(layer))))
        k += len(layer)
    return out


def _pairs(link, src: list, dst: list) -> list:
    """The (source cell, target cell) pairs a link draws."""
    if link.kind == "one_to_one":
        return list(zip(src, dst))
    if link.kind == "local":   # a window of two cells around the same relative height
        centre = [round(j * (len(src) - 1) / max(len(dst) - 1, 1)) for j in range(len(dst))]
        return [(src[i], d) for d, c in zip(dst, centre) for i in range(len(src)) if abs(i - c) <= 1]
    if link.kind == "neighbours":
        return list(zip(src[:-1], src[1:]))
    if link.source == link.target:  # every pair of the layer (both ways for directed links)
        return [(a, b) for a in src for b in src if (a < b if link.kind == "symmetric" else a != b)]
    if link.kind == "random" and len(src) >= 3:   # a fixed third of the pairs, each cell reached
        return [(a, b) for i, a in enumerate(src) for j, b in enumerate(dst)
                if (i + 2 * j + link.source) % 3 == 0]
    return [(a, b) for a in src for b in dst]


def _draw_link(ax, p, q, kind: str, curve: float) -> None:
    from matplotlib.patches import FancyArrowPatch
    colour, style, width, arrow = LINK_STYLE[kind]
    p, q = np.asarray(p, float), np.asarray(q, float)
    u = (q - p) / np.linalg.norm(q - p)
    ax.add_patch(FancyArrowPatch(p + u * RADIUS, q - u * RADIUS, arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=7, color=colour, linestyle=style, linewidth=width,
                                 connectionstyle=f"arc3,rad={curve}", shrinkA=0, shrinkB=0, zorder=1))


def _draw_links(ax, spec, xy: list) -> set:
    layers = _index(spec)
    forward = {(link.source, link.target) for link in spec.connections}
    for link in spec.connections:
        if link.kind == "self_loop":
            for k in layers[link.source]:
                _self_loop(ax, xy[k], spec.layout == "ring")
            continue
        gap = link.target - link.source
        within = gap == 0 and spec.layout == "columns" and link.kind != "neighbours"
        both_ways = gap < 0 and (link.target, link.source) in forward
        curve = 0.35 if (abs(gap) > 1 or both_ways or within) else (0.12 if spec.layout == "ring"
                                                                     and link.kind == "full" else 0.0)
        for a, b in _pairs(link, layers[link.source], layers[link.target]):
            _draw_link(ax, xy[a], xy[b], link.kind, curve)
    return {link.kind for link in spec.connections}


def _self_loop(ax, p, outward: bool) -> None:
    from matplotlib.patches import Arc
    phi = np.arctan2(p[1], p[0]) if outward and np.hypot(*p) > 0 else np.pi / 2
    centre = np.asarray(p) + RADIUS * np.array([np.cos(phi), np.sin(phi)])
    deg = np.degrees(phi)
    ax.add_patch(Arc(centre, RADIUS * 1.2, RADIUS * 1.2, theta1=deg - 120, theta2=deg + 120,
                     color="#1f3f8f", linewidth=1.1, zorder=2))


def _draw_cell(ax, p, kind: str) -> None:
    from matplotlib.patches import Arc, Circle, Ellipse, RegularPolygon
    face, mark = STYLE[kind]
    ax.add_patch(Circle(p, RADIUS, facecolor=face, edgecolor="black", linewidth=0.8, zorder=3))
    if mark == "ring":
        ax.add_patch(Arc(p, RADIUS * 1.2, RADIUS * 1.2, color="black", linewidth=0.8, zorder=4))
    elif mark == "dot":
        ax.add_patch(Ellipse(p, RADIUS * 0.5, RADIUS * 0.5, color="black", zorder=4))
    elif mark == "triangle":
        ax.add_patch(RegularPolygon(p, 3, radius=RADIUS * 0.55, facecolor="none", edgecolor="black",
                                    linewidth=0.8, zorder=4))


def legend_handles(kinds, link_kinds=()) -> tuple:
    """Legend entries (handles, labels) for the given cell kinds and link kinds."""
    from matplotlib.lines import Line2D
    marker = {None: None, "ring": "o", "dot": ".", "triangle": "^"}
    handles, labels = [], []
    for kind in kinds:
        face, mark = STYLE[kind]
        cell = Line2D([], [], marker="o", markersize=11, markerfacecolor=face, markeredgecolor="black",
                      linestyle="none")
        inner = Line2D([], [], marker=marker[mark], markersize=5 if mark == "ring" else 6,
                       markerfacecolor="black" if mark == "dot" else "none", markeredgecolor="black",
                       linestyle="none")
        handles.append((cell, inner) if mark else cell)
        labels.append(cell_label(kind))
    for kind in link_kinds:
        if kind == "self_loop":
            handles.append(Line2D([], [], color="#1f3f8f", marker="$\\circlearrowleft$", markersize=9,
                                  linestyle="none"))
        else:
            colour, style, width, _ = LINK_STYLE[kind]
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=width + 0.4))
        labels.append(kind.replace("_", "-") + " link")
    return handles, labels


def _legend(ax_or_fig, kinds, link_kinds, **kwargs):
    from matplotlib.legend_handler import HandlerTuple
    handles, labels = legend_handles(kinds, link_kinds)
    return ax_or_fig.legend(handles, labels, handler_map={tuple: HandlerTuple(ndivide=1)},
                            fontsize=8, frameon=False, **kwargs)


def _frame(ax, xy: list, labels: bool, spec) -> None:
    xs, ys = np.array(xy).T
    pad = RADIUS + 0.35
    low = ys.min() - pad - (0.7 if labels and spec.layout == "columns" else 0.0)
    ax.set_xlim(xs.min() - pad, xs.max() + pad)
    ax.set_ylim(low, ys.max() + pad + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_network(abbrev: str, ax=None, legend: bool = True, labels: bool = True):
    """Draw one network of the zoo.

    Parameters
    ----------
    abbrev : str
        One of :data:`nbnet.zoo.NETWORKS`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the network when omitted.
    legend : bool
        Add a legend of the cell kinds and link kinds this network uses.
    labels : bool
        Write each layer's role under its column.

    Returns
    -------
    matplotlib Axes
        One ``Circle`` patch per declared cell, in the order of ``spec.cells``.
    """
    import matplotlib.pyplot as plt
    spec = get_network(abbrev)
    if ax is None:
        width = 2.0 + 1.1 * (len(spec.cells) if spec.layout == "columns" else 3)
        _, ax = plt.subplots(figsize=(width + (2.6 if legend else 0), 3.2))
    xy = cell_positions(spec)
    link_kinds = _draw_links(ax, spec, xy)
    for p, kind in zip(xy, (k for layer in spec.cells for k in layer)):
        _draw_cell(ax, p, kind)
    if labels and spec.layout == "columns" and spec.roles:
        bottom = min(y for _, y in xy) - RADIUS - 0.2
        for i, role in enumerate(spec.roles):
            ax.text(i * COLUMN_GAP, bottom, textwrap.fill(role, 13), ha="center", va="top", fontsize=7)
    ax.set_title(f"{spec.name} ({spec.abbrev})", fontsize=10)
    _frame(ax, xy, labels, spec)
    if legend:
        kinds = list(dict.fromkeys(k for layer in spec.cells for k in layer))
        _legend(ax, kinds, sorted(link_kinds), loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def _same_scale(axes) -> None:
    """Give every panel the widest panel's limits (centred), so a cell is one size everywhere."""
    spans = [(np.diff(ax.get_xlim())[0], np.diff(ax.get_ylim())[0]) for ax in axes]
    width, height = np.max(spans, axis=0)
    for ax in axes:
        cx, cy = np.mean(ax.get_xlim()), np.mean(ax.get_ylim())
        ax.set_xlim(cx - width / 2, cx + width / 2)
        ax.set_ylim(cy - height / 2, cy + height / 2)


def draw_zoo(columns: int = 6):
    """All 27 networks on one figure, in the article's order, with one legend for all cell kinds.

    Returns
    -------
    matplotlib Figure
        Exactly 27 axes (the unused grid slots are removed), titled by abbreviation.
    """
    import matplotlib.pyplot as plt
    rows = -(-len(NETWORKS) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 1.5 * rows + 1.3))
    for ax, abbrev in zip(axes.flat, NETWORKS):
        draw_network(abbrev, ax=ax, legend=False, labels=False)
        ax.set_title(f"{abbrev}\n{get_network(abbrev).name}", fontsize=8)
    for ax in axes.flat[len(NETWORKS):]:
        fig.delaxes(ax)
    _same_scale(fig.axes)
    _legend(fig, CELL_KINDS, LINK_KINDS, loc="lower center", ncol=6)
    fig.suptitle("The neural network zoo, drawn from nbnet.zoo's descriptions")
    fig.tight_layout(rect=(0, 0.1, 1, 0.97))
    return fig
