"""``plot_model``: draw a model's graph of layers with matplotlib (``keras.utils.plot_model``).

The model is read duck-typed, never imported (``nbnet.utils`` sits below ``nbnet.models``):

* a **functional** model has ``_nodes`` (its layer calls in order, each with ``layer``,
  ``flat_inputs`` and ``flat_outputs``; a tensor's ``history`` is ``(layer, node_index,
  tensor_index)``) and ``inputs`` / ``outputs``;
* a **Sequential** model has ``layers``, each feeding the next, and ``_shapes`` (their output
  shapes) after ``_build_shape``;
* anything else with ``layers`` is a **subclassed** model: its connections live in Python code
  (``call``), so, as in Keras, it is drawn as one box — here listing the layers it holds.

The layout itself is :mod:`nbnet.utils.graph_layout`.
"""

from __future__ import annotations

import functools
import io
import os
from types import SimpleNamespace

from nbnet.utils.graph_layout import Box, Item, Layout, layered_layout

HEADER_SIZE, BODY_SIZE = 10.0, 9.0      # font sizes (points)
HEADER_LINE, BODY_LINE = 17.0, 13.5     # line heights (points)
PAD_X, PAD_Y = 9.0, 4.0                 # inside a box
MARGIN, TITLE_H = 8.0, 22.0             # around the drawing; the title row
SPLINES = ("ortho", "polyline", "line", "spline", "curved")
FORMATS = ("png", "svg", "pdf")
_STYLE = {"header": ("white", "bold", HEADER_SIZE), "body": ("black", "normal", BODY_SIZE),
          "trainable": ("#1b7a3a", "bold", BODY_SIZE), "frozen": ("#b22222", "bold", BODY_SIZE)}


# --- reading the model ------------------------------------------------------------------------
def _kind(model) -> str:
    if hasattr(model, "_nodes") and hasattr(model, "outputs") and hasattr(model, "inputs"):
        return "functional"
    if hasattr(model, "_shapes") and hasattr(model, "layers"):
        return "sequential"
    return "subclassed" if hasattr(model, "layers") and hasattr(model, "fit") else "layer"


def _layer_nodes(model) -> dict:
    """The first call of each layer inside a functional model, in the model's order."""
    first: dict = {}
    for node in model._nodes:
        first.setdefault(id(node.layer), node)
    return first


def _unpack(shapes: list):
    return shapes[0] if len(shapes) == 1 else shapes


def _io(model) -> dict:
    """``id(layer) -> (input shape, output shape, output dtype)`` for the layers of ``model``."""
    if _kind(model) == "functional":
        return {k: (_unpack([t.shape for t in n.flat_inputs]) if n.flat_inputs else None,
                    _unpack([t.shape for t in n.flat_outputs]), n.flat_outputs[0].dtype)
                for k, n in _layer_nodes(model).items()}
    shapes = list(getattr(model, "_shapes", []) or [])
    ins = [getattr(model, "_build_shape", None)] + shapes
    return {id(lay): (ins[i] if i < len(ins) else None, shapes[i] if i < len(shapes) else None, None)
            for i, lay in enumerate(model.layers)}


def _edges(model) -> list:
    """``(source layer, destination layer, output index, input index)`` for every connection."""
    if _kind(model) == "sequential":
        layers = model.layers
        return [(a, b, 0, 0) for a, b in zip(layers, layers[1:])]
    return [(t.history[0], node.layer, t.history[2], i)
            for node in model._nodes for i, t in enumerate(node.flat_inputs)]


def _layers(model) -> list:
    if _kind(model) == "functional":
        return [n.layer for n in _layer_nodes(model).values()]
    return list(model.layers)


# --- labels --------------------------------------------------------------------------------------
def _format_shape(shape) -> str:
    if shape is None:
        return "?"
    return str(tuple(shape)) if not isinstance(shape, list) else str([tuple(s) for s in shape])


def _activation_name(fn) -> str:
    return getattr(fn, "name", None) or getattr(fn, "__name__", None) or str(fn)


def _lines(layer, info, opts) -> list:
    """The text rows of a layer's box, each ``(text, style)``, as Keras's ``make_layer_label``."""
    cls = type(layer).__name__
    lines = [(f"{layer.name} ({cls})" if opts.show_layer_names else cls, "header")]
    if opts.show_layer_activations and getattr(layer, "activation", None) is not None:
        lines.append((f"Activation: {_activation_name(layer.activation)}", "body"))
    in_shape, out_shape, dtype = info if info is not None else (None, None, None)
    if opts.show_shapes:
        if cls != "InputLayer":
            lines.append((f"Input shape: {_format_shape(in_shape)}", "body"))
        lines.append((f"Output shape: {_format_shape(out_shape)}", "body"))
    if opts.show_dtype:
        lines.append((f"Output dtype: {dtype or getattr(layer, 'dtype', None) or '?'}", "body"))
    if opts.show_trainable and getattr(layer, "weights", None):
        lines.append(("Trainable", "trainable") if layer.trainable else ("Non-trainable", "frozen"))
    if _kind(layer) == "subclassed":
        inner = [f"{lay.name} ({type(lay).__name__})" for lay in layer.layers]
        lines += [("layers (wired up in call):" if inner else "no layers", "body")]
        lines += [(t, "body") for t in inner[:12]] + ([(f"... and {len(inner) - 12} more", "body")]
                                                      if len(inner) > 12 else [])
    return lines


def _text_width(text: str, style: str) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    _, weight, size = _STYLE[style]
    w, _, _ = TextToPath().get_text_width_height_descent(text, FontProperties(size=size, weight=weight),
                                                         ismath=False)
    return w


def _box(key: tuple, layer, info, opts) -> Box:
    lines = _lines(layer, info, opts)
    w = max(_text_width(t, s) for t, s in lines) + 2 * PAD_X
    h = HEADER_LINE + (len(lines) - 1) * BODY_LINE + (2 * PAD_Y if len(lines) > 1 else 0)
    return Box(key=key, name=layer.name, lines=lines, w=w, h=h)


# --- the graph, level by level ---------------------------------------------------------------------
def _nested(layer, opts) -> bool:
    return opts.expand_nested and _kind(layer) in ("functional", "sequential") and bool(_layers(layer))


def _port(item: Item, index: int, side: str):
    """The box an arrow leaves (``side="out"``) or enters: the item's own, or one inside its frame."""
    if item.box is not None:
        return item.box.key
    ports = item.inner.entries if side == "in" else item.inner.exits
    return ports[min(index, len(ports) - 1)]


def _ports(model, items: dict) -> tuple[list, list]:
    """Which box receives each input and produces each output of ``model`` (for its parent)."""
    if _kind(model) == "functional":
        return ([_port(items[id(t.history[0])], 0, "out") for t in model.inputs],
                [_port(items[id(t.history[0])], t.history[2], "out") for t in model.outputs])
    return [_port(items[id(model.layers[0])], 0, "in")], [_port(items[id(model.layers[-1])], 0, "out")]


def _level_edges(model, items: dict, index: dict) -> list:
    edges = []
    for src, dst, out_i, in_i in _edges(model):
        edge = (index[id(src)], index[id(dst)], _port(items[id(src)], out_i, "out"),
                _port(items[id(dst)], in_i, "in"))
        if edge not in edges:   # one arrow per pair of boxes, as Keras draws
            edges.append(edge)
    return edges


def _layout(model, opts, prefix: tuple = (), nested: bool = False) -> Layout:
    """Lay out ``model``'s graph; nested models (with ``expand_nested``) are laid out first."""
    if _kind(model) not in ("functional", "sequential") or not _layers(model):
        box = _box(prefix + (id(model),), model, None, opts)
        layout = layered_layout([Item(box=box)], [], opts.rankdir)
        layout.entries = layout.exits = [box.key]
        return layout
    info, layers = _io(model), _layers(model)
    items = {}
    for layer in layers:
        key = prefix + (id(layer),)
        items[id(layer)] = (Item(inner=_layout(layer, opts, key, True), title=layer.name)
                            if _nested(layer, opts) else Item(box=_box(key, layer, info.get(id(layer)), opts)))
    index = {id(layer): i for i, layer in enumerate(layers)}
    last = [index[id(t.history[0])] for t in model.outputs] if nested and _kind(model) == "functional" else []
    layout = layered_layout([items[id(lay)] for lay in layers], _level_edges(model, items, index),
                            opts.rankdir, opts.ortho, last)
    layout.entries, layout.exits = _ports(model, items)
    return layout


# --- drawing -------------------------------------------------------------------------------------
def _draw_box(ax, b: Box) -> None:
    from matplotlib.patches import Rectangle
    ax.add_patch(Rectangle((b.x, b.y), b.w, b.h, facecolor="white", edgecolor="#1f2d3d", lw=1.0, zorder=3))
    ax.add_patch(Rectangle((b.x, b.y), b.w, HEADER_LINE, facecolor="#1f2d3d", edgecolor="#1f2d3d", lw=1.0,
                           zorder=3))
    y = b.y + HEADER_LINE / 2
    for i, (text, style) in enumerate(b.lines):
        if i == 1:
            y += HEADER_LINE / 2 + PAD_Y + BODY_LINE / 2
        elif i > 1:
            y += BODY_LINE
        color, weight, size = _STYLE[style]
        ax.text(b.x + b.w / 2, y, text, ha="center", va="center_baseline", color=color, fontweight=weight,
                fontsize=size, zorder=4, parse_math=False)


def _draw_frame(ax, f) -> None:
    from matplotlib.patches import Rectangle
    ax.add_patch(Rectangle((f.x, f.y), f.w, f.h, facecolor="#f4f6f9", edgecolor="#6b7785", lw=1.0,
                           linestyle=(0, (4, 3)), zorder=0))
    ax.text(f.x + 6, f.y + 4, f.name, ha="left", va="top", fontsize=BODY_SIZE, fontstyle="italic",
            color="#3d4a57", zorder=4, parse_math=False)


def _draw_edge(ax, pts: list) -> None:
    xs, ys = zip(*pts)
    ax.plot(xs, ys, color="#44505c", lw=1.1, solid_joinstyle="miter", zorder=1)
    ax.annotate("", xy=pts[-1], xytext=pts[-2], zorder=2,
                arrowprops={"arrowstyle": "-|>,head_length=0.5,head_width=0.25", "color": "#44505c",
                            "lw": 1.1, "shrinkA": 0, "shrinkB": 0})


@functools.cache
def _figure_class():
    """matplotlib's Figure, shown in a notebook even where pyplot was never imported, and whose
    text form names the model rather than the figure's size (which follows fonts and styling)."""
    from matplotlib.figure import Figure

    class ModelFigure(Figure):
        model_name = ""

        def __repr__(self) -> str:
            return f"<Figure: plot_model of {self.model_name!r}>"

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", facecolor="white")
            return buffer.getvalue()
    return ModelFigure


def _figure(layout: Layout, title: str, name: str):
    """A pyplot-free Figure (so a notebook shows it once, as the cell's value), 1 unit = 1 point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    top = MARGIN + (TITLE_H if title else 0.0)
    width = max(layout.width, _text_width(title, "header") if title else 0.0) + 2 * MARGIN
    height = layout.height + top + MARGIN
    fig = _figure_class()(figsize=(width / 72, height / 72))
    fig.model_name = name
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    if title:
        ax.text(width / 2, MARGIN + TITLE_H / 2 - 2, title, ha="center", va="center", fontsize=HEADER_SIZE + 1,
                fontweight="bold", color="#1f2d3d", parse_math=False)
    layout.shift((width - layout.width) / 2, top)
    for f in layout.frames:
        _draw_frame(ax, f)
    for e in layout.edges:
        _draw_edge(ax, e)
    for b in layout.boxes:
        _draw_box(ax, b)
    return fig


# --- the public functions ---------------------------------------------------------------------------
def _check(model, rankdir, splines, dpi, to_file, kwargs) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("plot_model: argument `layer_range` is no longer supported (as in Keras 3)")
    if kwargs:
        raise ValueError(f"plot_model: unrecognized keyword arguments: {sorted(kwargs)}")
    if not hasattr(model, "layers"):
        raise TypeError(f"plot_model: expected a model (Sequential, Model(inputs, outputs) or a Model "
                        f"subclass), got {type(model).__name__}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f'plot_model: rankdir must be "TB" (top to bottom) or "LR" (left to right), '
                         f"got {rankdir!r}")
    if splines not in SPLINES:
        raise ValueError(f"plot_model: splines must be one of {SPLINES}, got {splines!r}")
    if not isinstance(dpi, (int, float)) or isinstance(dpi, bool) or dpi <= 0:
        raise ValueError(f"plot_model: dpi must be a positive number, got {dpi!r}")
    if to_file is not None and _file_format(to_file) not in FORMATS:
        raise ValueError(f"plot_model: to_file must end in one of {['.' + f for f in FORMATS]}, got "
                         f"{os.fspath(to_file)!r}")
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` "
                         "or by calling the model on a batch of data (or start it with `Input(shape)`).")


def _file_format(to_file) -> str:
    ext = os.path.splitext(os.fspath(to_file))[1]
    return ext[1:].lower() if ext else "png"


def model_layout(model, show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
                 expand_nested=False, show_layer_activations=False, show_trainable=False,
                 splines="ortho") -> Layout:
    """The boxes, frames and edges :func:`plot_model` draws, in points (y downwards, from 0, 0).

    Same arguments as :func:`plot_model`; useful to test a drawing without looking at pixels.
    """
    opts = SimpleNamespace(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                           rankdir=rankdir, expand_nested=expand_nested, ortho=splines == "ortho",
                           show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    return _layout(model, opts)


def plot_model(model, to_file=None, show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = False, rankdir: str = "TB", expand_nested: bool = False,
               dpi: float = 200, show_layer_activations: bool = False, show_trainable: bool = False,
               splines: str = "ortho", *, title: str | None = None, **kwargs):
    """Draw the graph of layers of ``model`` (``keras.utils.plot_model``).

    One box per layer — its class (and name), optionally its activation, input and output shapes,
    dtype and whether it is trainable — and an arrow along each connection. Sequential and
    functional models (several inputs and outputs, branches, merges, shared layers) are drawn as
    graphs; a nested model is one box, or, with ``expand_nested=True``, its own graph in a dashed
    frame. A subclassed model has no graph to read (its ``call`` is Python code), so it is one box
    that lists the layers it holds (Keras draws it as one box too).

    Differences from Keras: it draws with **matplotlib only** (no Graphviz, no pydot); it
    **returns the matplotlib Figure** (a notebook shows it inline) and writes a file **only when
    ``to_file`` is given**; the model's name is drawn as a title (``title=""`` leaves it out);
    ``dpi`` is the resolution of a PNG written to ``to_file`` (the returned figure keeps
    matplotlib's screen resolution); ``splines="ortho"`` draws right angles, any other of Keras's
    values straight segments.

    Parameters
    ----------
    model : Model
        A built model: Sequential, functional ``Model(inputs, outputs)`` or a ``Model`` subclass.
    to_file : str or path-like, optional
        Also save the drawing there; the format comes from the extension: ``.png``, ``.svg`` or
        ``.pdf`` (none: PNG).
    show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable : bool
        What each box shows besides the layer's class (shapes include the batch axis, ``None``).
    rankdir : {"TB", "LR"}
        Top to bottom or left to right.
    expand_nested : bool
        Draw nested Sequential/functional models as their own graphs, in frames.
    dpi : float
        Resolution (dots per inch) of a PNG file.
    splines : {"ortho", "polyline", "line", "spline", "curved"}
    title : str, optional
        Drawn above the graph; default the model's name.

    Returns
    -------
    matplotlib.figure.Figure
        Sized to the graph: 1 point of text is 1/72 inch, so it reads well at page width.

    Examples
    --------
    >>> model = Sequential([Input((784,)), Dense(16, activation="relu"), Dense(10, activation="softmax")])
    >>> fig = plot_model(model, show_shapes=True, show_layer_activations=True)
    """
    _check(model, rankdir, splines, dpi, to_file, kwargs)
    layout = model_layout(model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                          show_layer_activations, show_trainable, splines)
    fig = _figure(layout, model.name if title is None else title, model.name)
    if to_file is not None:
        fig.savefig(to_file, format=_file_format(to_file), dpi=dpi, facecolor="white")
    return fig
