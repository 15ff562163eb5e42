"""``nbnet.utils.plot_model``: the layout it computes (boxes, frames, edges), its files and its errors.

The layout is checked as data (``model_layout``), not as pixels: where boxes sit, that they never
overlap, and that every arrow runs from its source box to its destination box without passing
through any other box.
"""

import inspect
import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import nbnet
from nbnet import layers as L
from nbnet.utils import plot_model
from nbnet.utils.plot import model_layout

TOL = 1e-6


# --- geometry helpers ------------------------------------------------------------------------------
def centre(b):
    return b.x + b.w / 2, b.y + b.h / 2


def overlap(a, b, margin=0.0):
    return (a.x < b.x + b.w + margin and b.x < a.x + a.w + margin
            and a.y < b.y + b.h + margin and b.y < a.y + a.h + margin)


def segment_hits_box(p, q, b, inset=0.5):
    """Whether segment p–q enters the interior of box b (shrunk by ``inset``): Liang–Barsky clipping."""
    x0, y0, x1, y1 = b.x + inset, b.y + inset, b.x + b.w - inset, b.y + b.h - inset
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, lo, hi, s in ((dx, x0, x1, p[0]), (dy, y0, y1, p[1])):
        if abs(d) < TOL:
            if not lo < s < hi:
                return False
            continue
        ta, tb = sorted(((lo - s) / d, (hi - s) / d))
        t0, t1 = max(t0, ta), min(t1, tb)
    return t0 < t1


def on_border(pt, b, side):
    x, y = pt
    if side == "top":
        return abs(y - b.y) < TOL and b.x - TOL <= x <= b.x + b.w + TOL
    if side == "bottom":
        return abs(y - (b.y + b.h)) < TOL and b.x - TOL <= x <= b.x + b.w + TOL
    if side == "left":
        return abs(x - b.x) < TOL and b.y - TOL <= y <= b.y + b.h + TOL
    return abs(x - (b.x + b.w)) < TOL and b.y - TOL <= y <= b.y + b.h + TOL


def assert_clean(layout, ortho=True):
    """No two boxes overlap; no edge passes through a box; right angles when ``ortho``."""
    for a, b in itertools.combinations(layout.boxes, 2):
        assert not overlap(a, b, margin=2.0), f"boxes {a.name} and {b.name} overlap"
    for e in layout.edges:
        for p, q in zip(e, e[1:]):
            if ortho:
                assert abs(p[0] - q[0]) < TOL or abs(p[1] - q[1]) < TOL, f"slanted segment {p} -> {q}"
            for b in layout.boxes:
                assert not segment_hits_box(p, q, b), f"edge {e} passes through box {b.name}"
    for b in layout.boxes:
        assert -TOL <= b.x and b.x + b.w <= layout.width + TOL and -TOL <= b.y <= b.y + b.h <= layout.height + TOL


def edge_between(layout, src, dst, rankdir="TB"):
    """The edge from box ``src`` to box ``dst`` (leaving its bottom/right, entering the top/left)."""
    a, b = layout.box(src), layout.box(dst)
    out_side, in_side = ("bottom", "top") if rankdir == "TB" else ("right", "left")
    found = [e for e in layout.edges if on_border(e[0], a, out_side) and on_border(e[-1], b, in_side)]
    assert len(found) == 1, f"expected one edge {src} -> {dst}, found {len(found)}"
    return found[0]


# --- models ----------------------------------------------------------------------------------------
def mlp():
    return nbnet.Sequential([nbnet.Input((784,)), L.Dense(16, activation="relu", name="hidden"),
                             L.Dense(10, activation="softmax", name="output")], name="mlp")


def two_in_two_out():
    image, meta = nbnet.Input((8,), name="image"), nbnet.Input((4,), name="meta")
    x = L.Dense(16, activation="relu", name="img_dense")(image)
    y = L.Dense(8, activation="relu", name="meta_dense")(meta)
    merged = L.Concatenate(name="merge")([x, y])
    h = L.Dense(16, activation="relu", name="h")(merged)
    score = L.Dense(1, activation="sigmoid", name="score")(h)
    cls = L.Dense(3, activation="softmax", name="cls")(merged)
    return nbnet.Model([image, meta], [score, cls], name="two_in_two_out")


def autoencoder():
    encoder = nbnet.Sequential([nbnet.Input((16,)), L.Dense(8, name="enc_1"), L.Dense(4, name="enc_2")],
                               name="encoder")
    x = nbnet.Input((16,), name="x")
    code = encoder(x)
    out = L.Dense(16, name="decoder")(code)
    return nbnet.Model(x, out, name="autoencoder")


# --- layouts ---------------------------------------------------------------------------------------
def test_sequential_is_one_column_top_to_bottom():
    layout = model_layout(mlp(), show_shapes=True)
    assert [b.name for b in layout.boxes] == ["hidden", "output"]   # as Keras: no InputLayer box
    (x1, y1), (x2, y2) = centre(layout.box("hidden")), centre(layout.box("output"))
    assert abs(x1 - x2) < TOL and y2 > y1 + layout.box("hidden").h
    assert len(layout.edges) == 1
    e = edge_between(layout, "hidden", "output")
    assert all(abs(x - x1) < TOL for x, _ in e)   # a straight arrow down the column
    assert_clean(layout)


def test_sequential_left_to_right():
    layout = model_layout(mlp(), rankdir="LR")
    (x1, y1), (x2, y2) = centre(layout.box("hidden")), centre(layout.box("output"))
    assert abs(y1 - y2) < TOL and x2 > x1 + layout.box("hidden").w
    edge_between(layout, "hidden", "output", "LR")
    assert_clean(layout)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_two_inputs_merge_two_outputs(rankdir):
    layout = model_layout(two_in_two_out(), show_layer_names=True, rankdir=rankdir)
    axis = 1 if rankdir == "TB" else 0   # the rank axis: y for TB, x for LR
    rank = {b.name: centre(b)[axis] for b in layout.boxes}
    assert abs(rank["image"] - rank["meta"]) < TOL            # both inputs on the first rank
    assert rank["image"] < rank["img_dense"] < rank["merge"] < rank["h"] < rank["score"]
    assert rank["merge"] < rank["cls"] and abs(rank["cls"] - rank["h"]) < TOL
    pairs = [("image", "img_dense"), ("meta", "meta_dense"), ("img_dense", "merge"), ("meta_dense", "merge"),
             ("merge", "h"), ("h", "score"), ("merge", "cls")]
    assert len(layout.edges) == len(pairs)
    ends = [edge_between(layout, a, b, rankdir)[-1] for a, b in pairs]
    assert ends[2] != ends[3]                                 # two distinct arrows into the merge
    assert_clean(layout)


def test_straight_segments_when_splines_are_not_ortho():
    layout = model_layout(two_in_two_out(), splines="line")
    assert any(abs(p[0] - q[0]) > 1 and abs(p[1] - q[1]) > 1 for e in layout.edges for p, q in zip(e, e[1:]))
    assert_clean(layout, ortho=False)


def test_long_edges_go_round_boxes():
    """A skip connection spanning three ranks passes beside the boxes in between."""
    x = nbnet.Input((8,), name="x")
    h = L.Dense(8, name="a")(x)
    h2 = L.Dense(8, name="b")(L.Dense(8, name="c")(h))
    out = L.Add(name="add")([h2, h, x])
    layout = model_layout(nbnet.Model(x, out))
    assert len(layout.edges) == 6
    assert_clean(layout)


def test_nested_model_expanded_in_a_frame():
    model = autoencoder()
    flat = model_layout(model)
    assert not flat.frames and "encoder" in [b.name for b in flat.boxes]
    assert flat.box("encoder").lines[0][0] == "Sequential"
    layout = model_layout(model, expand_nested=True, show_shapes=True)
    assert [f.name for f in layout.frames] == ["encoder"]
    frame = layout.frames[0]
    inside = {b.name for b in layout.boxes if overlap(b, frame)}
    assert inside == {"enc_1", "enc_2"}
    for name in inside:   # well inside, below the title row
        b = layout.box(name)
        assert frame.x < b.x and b.x + b.w < frame.x + frame.w and frame.y + 10 < b.y < b.y + b.h < frame.y + frame.h
    edge_between(layout, "x", "enc_1")        # arrows reach the boxes inside the frame
    edge_between(layout, "enc_1", "enc_2")
    edge_between(layout, "enc_2", "decoder")
    assert len(layout.edges) == 3
    assert_clean(layout)


def test_nested_functional_with_two_inputs():
    a_in, b_in = nbnet.Input((4,), name="feat"), nbnet.Input((4,), name="aux")
    inner = nbnet.Model([a_in, b_in], [L.Dense(3, name="p")(L.Concatenate(name="c")([a_in, b_in])),
                                       L.Dense(2, name="q")(b_in)], name="inner")
    A, B = nbnet.Input((4,), name="A"), nbnet.Input((4,), name="B")
    p, q = inner([L.Dense(4, name="pre")(A), B])
    model = nbnet.Model([A, B], L.Concatenate(name="cat")([p, q]))
    layout = model_layout(model, expand_nested=True, show_layer_names=True)
    for src, dst in [("pre", "feat"), ("B", "aux"), ("p", "cat"), ("q", "cat"), ("aux", "q")]:
        edge_between(layout, src, dst)
    frame = layout.frames[0]
    outside = [b for b in layout.boxes if b.name in ("A", "B", "pre", "cat")]
    assert not any(overlap(b, frame) for b in outside)
    assert_clean(layout)


def test_shared_layer_is_one_box():
    left, right = nbnet.Input((8,), name="left"), nbnet.Input((8,), name="right")
    shared = L.Dense(8, name="shared")
    out = L.Subtract(name="diff")([shared(left), shared(right)])
    layout = model_layout(nbnet.Model([left, right], out))
    assert [b.name for b in layout.boxes].count("shared") == 1
    edge_between(layout, "left", "shared")
    edge_between(layout, "right", "shared")
    edge_between(layout, "shared", "diff")   # the two calls feed diff along one arrow
    assert_clean(layout)


def test_layer_called_at_two_depths_still_draws():
    x = nbnet.Input((4,))
    a, b = L.Dense(4, name="a"), L.Dense(4, name="b")
    layout = model_layout(nbnet.Model(x, a(b(a(x)))))
    assert len(layout.edges) == 3   # input->a, a->b, b->a (drawn against the flow)
    assert_clean(layout)


def test_subclassed_model_is_one_box_listing_its_layers():
    class Net(nbnet.Model):
        def __init__(self):
            super().__init__(name="net")
            self.d1, self.d2 = L.Dense(4, name="first"), L.Dense(2, name="second")

        def call(self, x):
            return self.d2(self.d1(x))
    model = Net()
    model(np.zeros((2, 3), "float32"))
    layout = model_layout(model)
    assert len(layout.boxes) == 1 and not layout.edges
    text = [t for t, _ in layout.boxes[0].lines]
    assert text[0] == "Net" and "first (Dense)" in text and "second (Dense)" in text


# --- box contents ------------------------------------------------------------------------------------
def texts(layout):
    return [t for b in layout.boxes for t, _ in b.lines]


def test_shapes_shown_only_when_asked():
    model = two_in_two_out()
    with_shapes = texts(model_layout(model, show_shapes=True))
    assert "Input shape: (None, 8)" in with_shapes and "Output shape: (None, 16)" in with_shapes
    assert "Input shape: [(None, 16), (None, 8)]" in with_shapes and "Output shape: (None, 24)" in with_shapes
    assert not any("Input shape" in t for t in model_layout(model, show_shapes=True).box("image").lines[0])
    without = texts(model_layout(model))
    assert not any("shape" in t for t in without)


def test_names_activations_dtype_trainable():
    model = mlp()
    model.get_layer("output").trainable = False
    layout = model_layout(model, show_layer_names=True, show_layer_activations=True, show_dtype=True,
                          show_trainable=True)
    assert layout.box("hidden").lines[0] == ("hidden (Dense)", "header")
    assert ("Activation: relu", "body") in layout.box("hidden").lines
    assert ("Output dtype: float32", "body") in layout.box("hidden").lines
    assert ("Trainable", "trainable") in layout.box("hidden").lines
    assert ("Non-trainable", "frozen") in layout.box("output").lines
    plain = model_layout(model)
    assert plain.box("hidden").lines == [("Dense", "header")]


def test_boxes_fit_their_text():
    layout = model_layout(two_in_two_out(), show_shapes=True, show_layer_names=True)
    widths = {b.name: b.w for b in layout.boxes}
    assert widths["merge"] > widths["score"]       # longest text: the Concatenate's input shapes
    heights = {b.name: b.h for b in layout.boxes}
    assert heights["merge"] > heights["image"]     # an InputLayer has no input-shape row


# --- the figure and files ------------------------------------------------------------------------------
def test_returns_a_figure_and_writes_only_when_asked(tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    monkeypatch.chdir(tmp_path)
    fig = plot_model(mlp(), show_shapes=True)
    assert isinstance(fig, Figure) and list(tmp_path.iterdir()) == []
    w, h = fig.get_size_inches()
    assert 1 < w < 6 and 1 < h < 6     # sized to its content, readable at book width


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF")])
def test_to_file_writes_the_format_of_its_extension(tmp_path, ext, magic):
    path = tmp_path / f"model.{ext}"
    plot_model(two_in_two_out(), to_file=path, show_shapes=True, dpi=50)
    assert path.read_bytes().startswith(magic)


def test_to_file_svg_is_valid_xml_with_the_layer_names(tmp_path):
    path = tmp_path / "model.svg"
    plot_model(two_in_two_out(), to_file=str(path), show_layer_names=True)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert "merge (Concatenate)" in path.read_text()


def test_png_resolution_follows_dpi(tmp_path):
    import matplotlib.image as mpimg
    small, large = tmp_path / "a.png", tmp_path / "b.png"
    plot_model(mlp(), to_file=small, dpi=50)
    plot_model(mlp(), to_file=large, dpi=100)
    assert abs(mpimg.imread(large).shape[1] / mpimg.imread(small).shape[1] - 2) < 0.05


# --- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    ({"rankdir": "XY"}, ["rankdir", '"TB"', '"LR"', "'XY'"]),
    ({"splines": "zigzag"}, ["splines", "ortho", "'zigzag'"]),
    ({"dpi": 0}, ["dpi", "positive", "0"]),
    ({"to_file": "model.gif"}, [".png", ".svg", ".pdf", "model.gif"]),
    ({"colour": "red"}, ["unrecognized", "colour"]),
    ({"layer_range": ["a", "b"]}, ["layer_range", "no longer supported"]),
])
def test_bad_arguments_say_what_was_expected_and_got(kwargs, words):
    with pytest.raises(ValueError) as info:
        plot_model(mlp(), **kwargs)
    for w in words:
        assert w in str(info.value)


def test_unbuilt_model_and_non_model():
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(nbnet.Sequential([L.Dense(3)]))
    with pytest.raises(TypeError, match="expected a model.*got ndarray"):
        plot_model(np.zeros(3))


def test_signature_matches_keras():
    keras = pytest.importorskip("keras")
    ours = inspect.signature(plot_model).parameters
    theirs = inspect.signature(keras.utils.plot_model).parameters
    for name, p in theirs.items():
        assert name in ours, name
        if name != "to_file":   # nbnet writes a file only when asked (documented difference)
            assert ours[name].default == p.default, name
    assert list(ours)[:len(theirs) - 1] == [n for n in theirs if n != "kwargs"]


def test_utils_does_not_import_models():
    import ast
    import pathlib
    for name in ("plot.py", "graph_layout.py"):
        tree = ast.parse((pathlib.Path(nbnet.utils.__file__).parent / name).read_text())
        mods = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not any(m and m.startswith(("nbnet.models", "nbnet.layers")) for m in mods), mods


def test_the_geometry_checks_can_fail():
    layout = model_layout(two_in_two_out())
    moved = layout.box("cls")
    moved.x, moved.y = layout.box("h").x + 3, layout.box("h").y + 3     # onto another box
    with pytest.raises(AssertionError, match="overlap"):
        assert_clean(layout)
    layout = model_layout(two_in_two_out())
    b = layout.box("merge")
    layout.edges.append([(b.x - 5, b.y + b.h / 2), (b.x + b.w + 5, b.y + b.h / 2)])   # straight through it
    with pytest.raises(AssertionError, match="passes through"):
        assert_clean(layout)


def test_text_form_names_the_model_not_the_size():
    """Notebooks compare text outputs: the figure's repr must not change with fonts or styling."""
    fig = plot_model(mlp(), title="")
    assert repr(fig) == "<Figure: plot_model of 'mlp'>"
    assert fig._repr_png_().startswith(b"\x89PNG")


def proper_crossings(layout):
    """Pairs of edges (different source and destination points) whose segments cross."""
    def cross(p, q, r, s):   # an axis-aligned horizontal p-q and vertical r-s crossing inside both
        if abs(p[1] - q[1]) > TOL or abs(r[0] - s[0]) > TOL:
            return False
        return (min(p[0], q[0]) + TOL < r[0] < max(p[0], q[0]) - TOL
                and min(r[1], s[1]) + TOL < p[1] < max(r[1], s[1]) - TOL)
    found = 0
    for e, f in itertools.combinations(layout.edges, 2):
        if e[0] == f[0] or e[-1] == f[-1]:
            continue
        segs_e, segs_f = list(zip(e, e[1:])), list(zip(f, f[1:]))
        found += any(cross(*a, *b) or cross(*b, *a) for a in segs_e for b in segs_f)
    return found


def test_branches_converging_on_one_box_do_not_cross():
    x = nbnet.Input((16,), name="x")
    branches = [L.Dense(4, name=f"b{i}")(x) for i in range(6)]
    branches = [L.Dense(4, name=f"c{i}")(b) if i % 2 else b for i, b in enumerate(branches)]
    layout = model_layout(nbnet.Model(x, L.Concatenate(name="cat")(branches)))
    ends = {e[-1] for e in layout.edges if on_border(e[-1], layout.box("cat"), "top")}
    assert len(ends) == 6                      # six distinct arrow heads on the merge
    assert proper_crossings(layout) == 0
    assert proper_crossings(model_layout(two_in_two_out(), show_shapes=True)) == 0
    assert_clean(layout)
