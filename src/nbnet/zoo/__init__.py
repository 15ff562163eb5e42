"""The "neural network zoo" of the second source article: 27 networks described once, drawn from code.

``NETWORKS`` lists the abbreviations in the article's order; :func:`get_network` returns a
network's :class:`NetworkSpec` (its cells and connections, what trains it, where the book trains
it); :func:`describe` puts the spec into words and :func:`draw_network` / :func:`draw_zoo` draw
it, both from the same spec. This package sits on top of nbnet: nothing below imports it.
"""

from nbnet.zoo.describe import CELL_MEANINGS, LINK_MEANINGS, describe
from nbnet.zoo.draw import draw_network, draw_zoo
from nbnet.zoo.specs import CELL_KINDS, LINK_KINDS, NETWORKS, Link, NetworkSpec, get_network

__all__ = ["CELL_KINDS", "CELL_MEANINGS", "LINK_KINDS", "LINK_MEANINGS", "NETWORKS", "Link",
           "NetworkSpec", "describe", "draw_network", "draw_zoo", "get_network"]
