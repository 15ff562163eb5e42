"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math

from nbnet.layers.input_layer import InputLayer


def _bytes(n_params: int, itemsize: int = 4) -> str:
    size = float(n_params * itemsize)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return ""


def _count(weights) -> int:
    return int(sum(math.prod(w.shape) for w in weights))


def _shape_str(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_str(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _rows(model) -> list[tuple]:
    from nbnet.models.sequential import Sequential
    rows = []
    if isinstance(model, Sequential):
        shapes = model._shapes if model.built else [None] * len(model.layers)
        for layer, shape in zip(model.layers, shapes):
            rows.append((layer, shape))
        return rows
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            rows.append((layer, layer.output.shape))
            continue
        nodes = [n for n in layer._inbound_nodes if n.outputs is not None]
        shape = None
        if nodes:
            outs = nodes[0].flat_outputs
            shape = outs[0].shape if len(outs) == 1 else [t.shape for t in outs]
        rows.append((layer, getattr(layer, "_last_output_shape", None) if shape is None else shape))
    return rows


def print_summary(model, line_length=None, print_fn=None, show_trainable=False) -> None:
    """Print (or pass to ``print_fn``) the summary table of ``model``."""
    out = print_fn or print
    widths = [33, 24, 15]
    rows = _rows(model)
    lines = [f'Model: "{model.name}"']
    top = "┏" + "┳".join("━" * w for w in widths) + "┓"
    head = "┃" + "┃".join(f" {t:<{w - 2}} " if i < 2 else f" {t:>{w - 2}} "
                          for i, (t, w) in enumerate(zip(("Layer (type)", "Output Shape", "Param #"), widths))) + "┃"
    sep_head = "┡" + "╇".join("━" * w for w in widths) + "┩"
    lines += [top, head, sep_head]
    for i, (layer, shape) in enumerate(rows):
        params = f"{_count(layer.weights):,}" if layer.built or layer.weights else "0 (unbuilt)"
        name = f"{layer.name} ({type(layer).__name__})"
        lines.append("│" + f" {name:<{widths[0] - 2}} " + "│" + f" {_shape_str(shape):<{widths[1] - 2}} "
                     + "│" + f" {params:>{widths[2] - 2}} " + "│")
        if i < len(rows) - 1:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    total, trainable = _count(model.weights), _count(model.trainable_weights)
    itemsize = model.weights[0].value.itemsize if model.weights else 4
    lines += [f" Total params: {total:,} ({_bytes(total, itemsize)})",
              f" Trainable params: {trainable:,} ({_bytes(trainable, itemsize)})",
              f" Non-trainable params: {total - trainable:,} ({_bytes(total - trainable, itemsize)})"]
    out("\n".join(lines))
