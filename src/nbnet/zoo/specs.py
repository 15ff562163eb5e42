"""The 27 networks of the "neural network zoo", each described once as cells and connections.

A network is a tuple of **layers** (drawn as columns, left to right), each a tuple of cell kinds
from :data:`CELL_KINDS` -- a few representative cells, as the chart draws them, not the real
width -- and a tuple of :class:`Link` s between layers (or inside one). Everything else in
:mod:`nbnet.zoo` (the text of :func:`~nbnet.zoo.describe`, the pictures) is generated from these
specs, so the words and the drawing cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL_KINDS = ("input", "backfed_input", "noisy_input", "hidden", "probabilistic_hidden",
              "spiking_hidden", "output", "match_input_output", "recurrent", "memory",
              "different_memory", "kernel", "convolution", "pool")
"""The chart's cell vocabulary (Fjodor van Veen's legend, in snake case)."""

LINK_KINDS = ("full", "local", "one_to_one", "random", "symmetric", "self_loop", "neighbours")
"""How two layers are joined: ``full`` (every cell to every cell, directed), ``local`` (each cell
sees a small window of the layer before, with shared weights: a convolution), ``one_to_one`` (cell
*i* to cell *i*), ``random`` (fixed at random, never trained), ``symmetric`` (undirected, one
weight per pair; inside one layer: every pair of its cells), ``self_loop`` (each cell of a layer to
itself, one step later), ``neighbours`` (inside one layer: each cell to the next, the map's
topology)."""


@dataclass(frozen=True)
class Link:
    """Cells of layer ``source`` feed cells of layer ``target`` (indices into ``cells``)."""

    source: int
    target: int
    kind: str = "full"


@dataclass(frozen=True)
class NetworkSpec:
    """One network of the zoo.

    Attributes
    ----------
    abbrev, name : str
        The chart's abbreviation and the English name.
    chinese : str
        The name the second source article gives it (for the glossary).
    cells : tuple of tuple of str
        Layers from left to right, each a few representative cell kinds from ``CELL_KINDS``.
    connections : tuple of Link
        Which layers feed which, and how (``LINK_KINDS``).
    trained_by : str
        What sets the weights, in a few words.
    chapter : str
        The notebook (file stem under ``book/``) that trains it in full.
    family : str
        The Part IV notebook whose entry shows it.
    roles : tuple of str
        A short role for each layer ("code", "reservoir", ...), used by ``describe``.
    layout : str
        ``"columns"`` (layers left to right) or ``"ring"`` (every cell on one circle: the
        networks whose cells are all joined to each other).
    """

    abbrev: str
    name: str
    chinese: str
    cells: tuple
    connections: tuple
    trained_by: str
    chapter: str
    family: str
    roles: tuple = ()
    layout: str = "columns"

    @property
    def n_cells(self) -> int:
        """The number of cells drawn (and described)."""
        return sum(len(layer) for layer in self.cells)


def _layers(*spec) -> tuple:
    """``("input", 3), ("hidden", 4)`` -> ``(("input",) * 3, ("hidden",) * 4)``."""
    return tuple((kind,) * n if isinstance(kind, str) else tuple(kind) for kind, n in spec)


def _chain(n_layers: int, kind: str = "full") -> tuple:
    """Each layer feeds the next."""
    return tuple(Link(i, i + 1, kind) for i in range(n_layers - 1))


def _net(abbrev, name, chinese, layers, links, trained_by, chapter, family, roles=(), layout="columns"):
    cells = _layers(*layers)
    links = _chain(len(cells)) if links is None else tuple(links)
    return NetworkSpec(abbrev, name, chinese, cells, links, trained_by, chapter, family,
                       tuple(roles), layout)


FF_NB, RNN_NB, GEN_NB, EN_NB, RES_NB = ("14_zoo_feedforward", "15_zoo_recurrent", "16_zoo_generative",
                                        "17_zoo_energy", "18_zoo_reservoir")

_SPECS = (
    _net("P", "perceptron", "感知机", [("input", 2), ("output", 1)], None,
         "the perceptron learning rule (or gradient descent)", "03_perceptron", FF_NB),
    _net("FF", "feed-forward network", "前馈神经网络", [("input", 2), ("hidden", 2), ("output", 1)],
         None, "backpropagation", "05_backprop", FF_NB),
    _net("RBF", "radial basis function network", "RBF神经网络",
         [("input", 2), ("hidden", 3), ("output", 1)], None,
         "k-means centres, then least squares for the output", FF_NB, FF_NB,
         roles=("input", "Gaussian units", "linear output")),
    _net("DFF", "deep feed-forward network", "深度前馈神经网络",
         [("input", 3), ("hidden", 4), ("hidden", 4), ("output", 2)], None,
         "backpropagation", "06_mnist", FF_NB),
    _net("RNN", "recurrent neural network", "递归神经网络",
         [("input", 3), ("recurrent", 3), ("recurrent", 3), ("output", 3)],
         _chain(4) + (Link(1, 1, "self_loop"), Link(2, 2, "self_loop")),
         "backpropagation through time", "09_recurrent", RNN_NB),
    _net("LSTM", "long short-term memory", "长短时记忆网络",
         [("input", 3), ("memory", 3), ("memory", 3), ("output", 3)],
         _chain(4) + (Link(1, 1, "self_loop"), Link(2, 2, "self_loop")),
         "backpropagation through time", "09_recurrent", RNN_NB),
    _net("GRU", "gated recurrent unit", "GRU",
         [("input", 3), ("different_memory", 3), ("different_memory", 3), ("output", 3)],
         _chain(4) + (Link(1, 1, "self_loop"), Link(2, 2, "self_loop")),
         "backpropagation through time", "09_recurrent", RNN_NB),
    _net("AE", "autoencoder", "自动编码器",
         [("input", 4), ("hidden", 2), ("match_input_output", 4)], None,
         "backpropagation of the reconstruction error", "11_generative", GEN_NB,
         roles=("input", "code", "reconstruction")),
    _net("VAE", "variational autoencoder", "变分自编码器",
         [("input", 4), ("hidden", 3), ("probabilistic_hidden", 2), ("hidden", 3),
          ("match_input_output", 4)], None,
         "backpropagation of the negative ELBO (reparameterised sampling)", "11_generative", GEN_NB,
         roles=("input", "encoder", "sampled code", "decoder", "reconstruction")),
    _net("DAE", "denoising autoencoder", "降噪自动编码器",
         [("noisy_input", 4), ("hidden", 2), ("match_input_output", 4)], None,
         "backpropagation: reconstruct the clean input from a corrupted one", "11_generative", GEN_NB,
         roles=("corrupted input", "code", "clean reconstruction")),
    _net("SAE", "sparse autoencoder", "稀疏自编码器",
         [("input", 3), ("hidden", 5), ("match_input_output", 3)], None,
         "backpropagation with a sparsity penalty on the code", "11_generative", GEN_NB,
         roles=("input", "sparse code", "reconstruction")),
    _net("MC", "Markov chain", "马尔科夫链", [("probabilistic_hidden", 5)],
         [Link(0, 0, "full"), Link(0, 0, "self_loop")],
         "counting transitions (maximum likelihood)", RNN_NB, RNN_NB, roles=("states",), layout="ring"),
    _net("HN", "Hopfield network", "霍普菲尔网络", [("backfed_input", 6)], [Link(0, 0, "symmetric")],
         "the Hebbian rule (one pass, no gradient)", "10_energy_models", EN_NB,
         roles=("units: input, state and output at once",), layout="ring"),
    _net("BM", "Boltzmann machine", "波尔滋曼机",
         [(("backfed_input",) * 4 + ("probabilistic_hidden",) * 2, 1)], [Link(0, 0, "symmetric")],
         "maximum likelihood: data minus model correlations", "10_energy_models", EN_NB,
         roles=("visible and hidden units",), layout="ring"),
    _net("RBM", "restricted Boltzmann machine", "限制型波尔滋曼机",
         [("backfed_input", 4), ("probabilistic_hidden", 3)], [Link(0, 1, "symmetric")],
         "contrastive divergence (not backpropagation)", "10_energy_models", EN_NB,
         roles=("visible", "hidden")),
    _net("DBN", "deep belief network", "深度信念网络",
         [("backfed_input", 4), ("probabilistic_hidden", 3), ("probabilistic_hidden", 3),
          ("output", 2)],
         [Link(1, 0, "full"), Link(1, 2, "symmetric"), Link(2, 3, "full")],
         "greedy layer-wise RBMs (contrastive divergence), then backpropagation", "10_energy_models",
         EN_NB, roles=("visible", "hidden 1", "hidden 2", "fine-tuned classifier")),
    _net("DCN", "deep convolutional network", "深度卷积网络",
         [("input", 4), ("kernel", 3), ("convolution", 3), ("kernel", 2), ("pool", 2),
          ("hidden", 3), ("output", 2)],
         [Link(0, 1, "local"), Link(1, 2), Link(2, 3, "local"), Link(3, 4), Link(4, 5), Link(5, 6)],
         "backpropagation", "08_convolutional", GEN_NB,
         roles=("image", "kernels", "feature maps", "kernels", "pooled maps", "dense", "classes")),
    _net("DN", "deconvolutional network", "去卷积网络",
         [("input", 2), ("hidden", 3), ("kernel", 2), ("convolution", 3), ("kernel", 3),
          ("output", 4)],
         [Link(0, 1), Link(1, 2), Link(2, 3), Link(3, 4, "local"), Link(4, 5)],
         "backpropagation (here: as a GAN's generator)", "11_generative", GEN_NB,
         roles=("code", "dense", "kernels", "upsampled maps", "kernels", "image")),
    _net("DCIGN", "deep convolutional inverse graphics network", "深度卷积反转图像网络",
         [("input", 4), ("kernel", 3), ("convolution", 3), ("probabilistic_hidden", 2),
          ("convolution", 3), ("kernel", 3), ("match_input_output", 4)],
         [Link(0, 1, "local"), Link(1, 2), Link(2, 3), Link(3, 4), Link(4, 5, "local"), Link(5, 6)],
         "backpropagation of the negative ELBO (a convolutional VAE)", GEN_NB, GEN_NB,
         roles=("image", "kernels", "encoder maps", "sampled code", "decoder maps", "kernels",
                "reconstruction")),
    _net("GAN", "generative adversarial network", "生成对抗网络",
         [("input", 2), ("hidden", 3), ("match_input_output", 4), ("hidden", 3), ("output", 1)], None,
         "two players: D by backpropagation on real vs fake, G through D", "11_generative", GEN_NB,
         roles=("noise", "generator", "sample (or a real one)", "discriminator", "real or fake")),
    _net("LSM", "liquid state machine", "液体状态机",
         [("input", 3), ("spiking_hidden", 4), ("spiking_hidden", 4), ("output", 2)],
         [Link(0, 1, "random"), Link(1, 2, "random"), Link(2, 1, "random"), Link(2, 3, "full")],
         "only the linear readout (the spiking reservoir stays random)", RES_NB, RES_NB,
         roles=("input", "liquid", "liquid", "readout")),
    _net("ELM", "extreme learning machine", "极端学习机",
         [("input", 3), ("hidden", 5), ("output", 2)], [Link(0, 1, "random"), Link(1, 2, "full")],
         "least squares for the output only (hidden weights random, fixed)", FF_NB, FF_NB,
         roles=("input", "random features", "least-squares output")),
    _net("ESN", "echo state network", "回声状态网络",
         [("input", 3), ("recurrent", 4), ("recurrent", 4), ("output", 2)],
         [Link(0, 1, "random"), Link(1, 2, "random"), Link(2, 1, "random"), Link(2, 3, "full"),
          Link(1, 1, "self_loop"), Link(2, 2, "self_loop")],
         "ridge regression for the readout only (the reservoir stays random)", RES_NB, RES_NB,
         roles=("input", "reservoir", "reservoir", "readout")),
    _net("DRN", "deep residual network", "深度残差网络",
         [("input", 3), ("hidden", 3), ("hidden", 3), ("hidden", 3), ("hidden", 3), ("output", 2)],
         _chain(6) + (Link(0, 2, "one_to_one"), Link(2, 4, "one_to_one")),
         "backpropagation", FF_NB, FF_NB),
    _net("KN", "Kohonen network (self-organising map)", "Kohonen神经网络",
         [("input", 3), ("hidden", 5)], [Link(0, 1, "full"), Link(1, 1, "neighbours")],
         "competitive learning: the winner and its map neighbours move toward the input", RES_NB,
         RES_NB, roles=("input", "map")),
    _net("SVM", "support vector machine", "支持向量机",
         [("input", 3), ("kernel", 4), ("output", 1)], None,
         "margin maximisation (hinge loss), a convex problem", FF_NB, FF_NB,
         roles=("input", "kernel against support vectors", "sign")),
    _net("NTM", "neural Turing machine", "神经图灵机",
         [("input", 3), ("hidden", 3), ("memory", 3), ("hidden", 3), ("output", 3)],
         [Link(0, 1), Link(1, 3), Link(3, 4), Link(1, 2), Link(2, 3)],
         "backpropagation through time, through differentiable memory addressing", RNN_NB, RNN_NB,
         roles=("input", "controller", "memory (read and written)", "controller", "output")),
)

NETWORKS = tuple(spec.abbrev for spec in _SPECS)
"""The 27 abbreviations in the second article's order."""

_BY_ABBREV = {spec.abbrev.upper(): spec for spec in _SPECS}


def get_network(abbrev: str) -> NetworkSpec:
    """The spec of one network, by its abbreviation (case-insensitive), e.g. ``"RBM"``."""
    if not isinstance(abbrev, str) or abbrev.upper() not in _BY_ABBREV:
        raise ValueError(f"unknown network {abbrev!r}: expected one of {', '.join(NETWORKS)}")
    return _BY_ABBREV[abbrev.upper()]
