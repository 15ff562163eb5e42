"""The zoo chart: 27 specs in the article's order, words and pictures generated from them."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from nbnet import zoo  # noqa: E402
from nbnet.zoo.describe import layer_text  # noqa: E402

ARTICLE_ORDER = ("P FF RBF DFF RNN LSTM GRU AE VAE DAE SAE MC HN BM RBM DBN DCN DN DCIGN GAN "
                 "LSM ELM ESN DRN KN SVM NTM").split()


def test_all_27_in_the_articles_order():
    assert zoo.NETWORKS == tuple(ARTICLE_ORDER)
    assert [zoo.get_network(a).abbrev for a in ARTICLE_ORDER] == ARTICLE_ORDER


@pytest.mark.parametrize("abbrev", ARTICLE_ORDER)
def test_spec_uses_the_vocabulary(abbrev):
    spec = zoo.get_network(abbrev)
    assert spec.cells and all(layer for layer in spec.cells)
    assert {k for layer in spec.cells for k in layer} <= set(zoo.CELL_KINDS)
    for link in spec.connections:
        assert link.kind in zoo.LINK_KINDS
        assert 0 <= link.source < len(spec.cells) and 0 <= link.target < len(spec.cells)
    assert not spec.roles or len(spec.roles) == len(spec.cells)
    assert spec.name and spec.chinese and spec.trained_by and spec.chapter and spec.family


def test_every_layer_is_joined():
    for abbrev in ARTICLE_ORDER:
        spec = zoo.get_network(abbrev)
        touched = {i for link in spec.connections for i in (link.source, link.target)}
        assert touched == set(range(len(spec.cells))), abbrev


def test_spec_is_frozen():
    with pytest.raises(AttributeError):
        zoo.get_network("P").name = "x"


def test_unknown_network_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown network 'XYZ'.*P, FF, RBF"):
        zoo.get_network("XYZ")


def test_lookup_ignores_case():
    assert zoo.get_network("rbm") is zoo.get_network("RBM")


@pytest.mark.parametrize("abbrev", ARTICLE_ORDER)
def test_describe_mentions_each_layer(abbrev):
    spec, text = zoo.get_network(abbrev), zoo.describe(abbrev)
    assert text.startswith(f"{abbrev}: {spec.name}")
    for i, layer in enumerate(spec.cells):
        assert f"layer {i + 1}" in text and layer_text(layer) in text
    assert spec.trained_by in text and spec.chapter in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)     # Chinese only in the glossary


def test_layer_text_counts_runs():
    assert layer_text(("input", "input", "hidden")) == "2 input cells and 1 hidden cell"
    assert layer_text(("match_input_output",)) == "1 match input/output cell"


def _circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


@pytest.mark.parametrize("abbrev", ARTICLE_ORDER)
def test_draw_network_draws_one_circle_per_cell(abbrev):
    ax = zoo.draw_network(abbrev)
    spec = zoo.get_network(abbrev)
    circles = _circles(ax)
    assert len(circles) == spec.n_cells
    faces = [matplotlib.colors.to_hex(c.get_facecolor()) for c in circles]
    kinds = [k for layer in spec.cells for k in layer]
    assert faces == [zoo.draw.STYLE[k][0] for k in kinds]
    assert ax.get_legend() is not None
    assert abbrev in ax.get_title()
    plt.close(ax.figure)


def test_recurrent_cells_have_a_self_loop_and_energy_links_no_arrows():
    from matplotlib.patches import Arc, FancyArrowPatch
    ax = zoo.draw_network("RNN")
    loops = [p for p in ax.patches if type(p) is Arc]
    assert len(loops) == 6                                      # two recurrent layers of three
    plt.close(ax.figure)
    ax = zoo.draw_network("HN")
    links = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(links) == 6 * 5 // 2                             # every pair once, undirected
    assert all(p.get_arrowstyle().__class__.__name__ == "Curve" for p in links)
    plt.close(ax.figure)


def test_draw_zoo_has_27_axes():
    fig = zoo.draw_zoo()
    assert len(fig.axes) == 27
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ARTICLE_ORDER
    assert sum(len(_circles(ax)) for ax in fig.axes) == sum(zoo.get_network(a).n_cells
                                                            for a in ARTICLE_ORDER)
    assert len(fig.legends) == 1
    plt.close(fig)


def test_lower_modules_do_not_import_the_zoo():
    import pathlib
    src = pathlib.Path(zoo.__file__).parents[1]
    for path in src.rglob("*.py"):
        if "zoo" not in path.parts:
            assert "nbnet.zoo" not in path.read_text(encoding="utf-8"), path
