"""Words for a network of the zoo, generated from its :class:`~nbnet.zoo.specs.NetworkSpec`."""

from __future__ import annotations

from itertools import groupby

from nbnet.zoo.specs import get_network

CELL_MEANINGS = {
    "input": "receives the data",
    "backfed_input": "an input that the network also overwrites: input, state and output at once",
    "noisy_input": "receives the data with noise added",
    "hidden": "a unit computing an activation of a weighted sum",
    "probabilistic_hidden": "a unit whose value is sampled (a binary unit or a Gaussian code)",
    "spiking_hidden": "an integrate-and-fire unit that emits a spike when it crosses a threshold",
    "output": "produces the network's answer",
    "match_input_output": "an output trained to reproduce the input (or a sample shaped like it)",
    "recurrent": "a hidden unit that also receives its own previous value",
    "memory": "an LSTM cell: a state carried forward, guarded by gates",
    "different_memory": "a GRU cell: gated memory with fewer gates",
    "kernel": "a kernel: a small filter (convolution) or a similarity to stored vectors",
    "convolution": "a feature map made by sliding a kernel (or, reversed, upsampling)",
    "pool": "a feature map subsampled (e.g. the maximum of each window)",
}
"""What each cell kind of the chart stands for, one line each."""

LINK_MEANINGS = {
    "full": "every cell to every cell, one way",
    "one_to_one": "cell i to cell i: a shortcut, added unchanged",
    "local": "each cell sees a small window of the layer before, with shared weights",
    "random": "fixed at random, never trained",
    "symmetric": "undirected: one weight per pair, used both ways",
    "self_loop": "each cell to itself, one time step later",
    "neighbours": "each cell to its neighbours on the map: a topology, not weights",
}
"""What each kind of link means, one line each."""


def cell_label(kind: str) -> str:
    """``"match_input_output"`` -> ``"match input/output"``."""
    return "match input/output" if kind == "match_input_output" else kind.replace("_", " ")


def _count(kind: str, n: int) -> str:
    return f"{n} {cell_label(kind)} cell{'s' if n != 1 else ''}"


def layer_text(layer: tuple) -> str:
    """``("input", "input", "hidden")`` -> ``"2 input cells and 1 hidden cell"``."""
    parts = [_count(kind, len(list(group))) for kind, group in groupby(layer)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _link_text(spec, link) -> str:
    def name(i):
        role = spec.roles[i] if spec.roles else ""
        return f"layer {i + 1}" + (f" ({role})" if role else "")
    where = f"within {name(link.source)}" if link.source == link.target else \
        f"{name(link.source)} {'<->' if link.kind == 'symmetric' else '->'} {name(link.target)}"
    return f"{where}: {link.kind.replace('_', '-')} ({LINK_MEANINGS[link.kind]})"


def describe(abbrev: str) -> str:
    """The network ``abbrev`` in words: its layers of cells, its links, what trains it.

    Parameters
    ----------
    abbrev : str
        One of :data:`nbnet.zoo.NETWORKS` (case-insensitive).

    Returns
    -------
    str
        Several lines; the drawing of :func:`nbnet.zoo.draw_network` shows the same cells.
    """
    spec = get_network(abbrev)
    lines = [f"{spec.abbrev}: {spec.name}",
             f"Layers, left to right ({spec.n_cells} representative cells):"]
    for i, layer in enumerate(spec.cells):
        role = f" ({spec.roles[i]})" if spec.roles else ""
        lines.append(f"  layer {i + 1}{role}: {layer_text(layer)}")
    lines.append("Connections:")
    lines += [f"  {_link_text(spec, link)}" for link in spec.connections]
    lines.append(f"Trained by: {spec.trained_by}.")
    lines.append(f"In the book: {spec.chapter}.ipynb")
    return "\n".join(lines)
