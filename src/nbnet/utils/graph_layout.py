"""A layered ("Sugiyama") layout of a small directed graph of boxes, for :func:`plot_model`.

The steps are the textbook ones, each kept simple:

1. **ranks**: each node sits one rank below its deepest predecessor (longest path from the
   sources); edges that would close a cycle (a shared layer called at two depths) are laid out
   reversed;
2. **dummy nodes** break an edge that spans several ranks into one-rank steps, so it can be routed
   *between* the boxes of the ranks it passes instead of through them;
3. **order** within a rank: a few sweeps that sort each rank by the barycentre (mean position) of
   its neighbours in the rank before, then after — fewer crossings;
4. **coordinates** along a rank: each node wants to sit at the barycentre of its neighbours; the
   positions closest to those wishes that still keep neighbouring boxes apart are an isotonic
   regression, solved exactly by pool-adjacent-violators;
5. **edges**: straight down through the node's own column inside a rank, and across in the gap
   between two ranks (right angles for ``"ortho"``, each crossing on its own track where two edges
   would otherwise run along the same line).

Everything is computed in *rank* / *order* coordinates (rank: down for ``"TB"``, right for
``"LR"``) and turned into points (1/72 inch, y downwards) at the end. A nested model is laid out
first and then enters its parent's layout as one big node (a frame), so frames never overlap.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

NODE_GAP = 22.0     # between neighbouring boxes of a rank (points)
DUMMY_GAP = 14.0    # between an edge passing through a rank and its neighbours
RANK_GAP = 26.0     # between two ranks
TRACK_GAP = 7.0     # between two horizontal tracks in one gap
FRAME_PAD = 10.0    # inside a nested model's frame
FRAME_TITLE = 16.0  # height of the frame's title row


@dataclass
class Box:
    """One layer's box: ``x, y`` is its top-left corner, in points, y downwards."""

    key: tuple
    name: str
    lines: list
    w: float
    h: float
    x: float = 0.0
    y: float = 0.0


@dataclass
class Frame:
    """The dashed frame around an expanded nested model."""

    name: str
    x: float
    y: float
    w: float
    h: float


@dataclass
class Layout:
    """Boxes, frames and edge polylines of a drawing, and its size (points)."""

    boxes: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    edges: list = field(default_factory=list)   # each a list of (x, y), source to destination
    width: float = 0.0
    height: float = 0.0
    entries: list = field(default_factory=list)  # box key that receives model input i
    exits: list = field(default_factory=list)    # box key that produces model output j

    def box(self, name: str) -> Box:
        """The box of the layer called ``name`` (the first one, if nested models repeat it)."""
        for b in self.boxes:
            if b.name == name:
                return b
        raise KeyError(f"no box for a layer named {name!r}; boxes: {[b.name for b in self.boxes]}")

    def shift(self, dx: float, dy: float) -> None:
        for b in self.boxes:
            b.x, b.y = b.x + dx, b.y + dy
        for f in self.frames:
            f.x, f.y = f.x + dx, f.y + dy
        self.edges = [[(x + dx, y + dy) for x, y in e] for e in self.edges]


@dataclass
class Item:
    """A node of one level of the graph: a layer's box, or a nested model already laid out."""

    box: Box | None = None
    inner: Layout | None = None
    title: str = ""

    @property
    def size(self) -> tuple[float, float]:
        if self.box is not None:
            return self.box.w, self.box.h
        return self.inner.width + 2 * FRAME_PAD, self.inner.height + 2 * FRAME_PAD + FRAME_TITLE


# --- 1. ranks -------------------------------------------------------------------------------
def _acyclic(n: int, edges: list) -> list:
    """``edges`` (u, v) with those that close a cycle turned round (found by depth-first search)."""
    succ = [[] for _ in range(n)]
    for u, v in edges:
        succ[u].append(v)
    state, back = [0] * n, set()

    def visit(u):
        state[u] = 1
        for v in succ[u]:
            if state[v] == 1:
                back.add((u, v))
            elif state[v] == 0:
                visit(v)
        state[u] = 2
    for u in range(n):
        if state[u] == 0:
            visit(u)
    return [(v, u) if (u, v) in back else (u, v) for u, v in edges]


def _ranks(n: int, edges: list, last: set) -> list:
    """Longest path from the sources; nodes in ``last`` (a nested model's outputs) go to the bottom."""
    rank = [0] * n
    for _ in range(n):   # at most n rounds of relaxation on a DAG
        changed = False
        for u, v in edges:
            if rank[v] < rank[u] + 1:
                rank[v], changed = rank[u] + 1, True
        if not changed:
            break
    bottom = max(rank, default=0)
    return [bottom if i in last else r for i, r in enumerate(rank)]


# --- 2. dummy nodes ----------------------------------------------------------------------------
def _chains(edges: list, rank: list) -> tuple[list, list]:
    """Each edge as a chain of nodes one rank apart; returns the chains and every node's rank."""
    rank, chains = list(rank), []
    for u, v in edges:
        chain = [u]
        for r in range(rank[u] + 1, rank[v]):
            rank.append(r)
            chain.append(len(rank) - 1)
        chains.append(chain + [v])
    return chains, rank


# --- 3. order ------------------------------------------------------------------------------------
def _crossings(layers: list, succ: list) -> int:
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        where = {v: i for i, v in enumerate(lower)}
        ends = [(i, where[v]) for i, u in enumerate(upper) for v in succ[u] if v in where]
        total += sum(1 for a, b in ends for c, d in ends if a < c and b > d)
    return total


def _sweep(layers: list, neigh: list, order: range) -> None:
    for k in order:
        prev = layers[k - 1] if order.step > 0 else layers[k + 1]
        where = {v: i for i, v in enumerate(prev)}

        def key(iv, where=where):
            i, v = iv
            pos = [where[u] for u in neigh[v] if u in where]
            return (sum(pos) / len(pos) if pos else i, i)
        layers[k] = [v for _, v in sorted(enumerate(layers[k]), key=key)]


def _order(rank: list, chains: list) -> list:
    """Nodes of each rank, left to right, after barycentre sweeps (the best ordering seen)."""
    n = len(rank)
    succ, pred = [[] for _ in range(n)], [[] for _ in range(n)]
    for c in chains:
        for u, v in zip(c, c[1:]):
            succ[u].append(v)
            pred[v].append(u)
    layers = [[v for v in range(n) if rank[v] == r] for r in range(max(rank, default=-1) + 1)]
    best, best_x = [list(layer) for layer in layers], _crossings(layers, succ)
    for _ in range(4):
        _sweep(layers, pred, range(1, len(layers)))
        _sweep(layers, succ, range(len(layers) - 2, -1, -1))
        crossings = _crossings(layers, succ)
        if crossings < best_x:
            best, best_x = [list(layer) for layer in layers], crossings
    return best


# --- 4. coordinates ------------------------------------------------------------------------------
def _isotonic(t: list) -> list:
    """The non-decreasing sequence closest to ``t`` (least squares): pool adjacent violators."""
    blocks: list = []
    for v in t:
        blocks.append([v, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    return [s / c for s, c in blocks for _ in range(c)]


def _place(layer: list, wish: dict, size: list) -> dict:
    """Positions closest to ``wish`` with neighbours at least half-sizes plus a gap apart."""
    offset, offsets = 0.0, []
    for i, v in enumerate(layer):
        if i:
            u = layer[i - 1]
            gap = NODE_GAP if size[u] and size[v] else DUMMY_GAP
            offset += (size[u] + size[v]) / 2 + gap
        offsets.append(offset)
    y = _isotonic([wish[v] - c for v, c in zip(layer, offsets)])
    return {v: yi + c for v, yi, c in zip(layer, y, offsets)}


def _coordinates(layers: list, chains: list, size: list) -> dict:
    """Order-axis centre of every node: sweeps towards the barycentre of its neighbours, first those
    before, then after, then both (which converges towards the shortest total edge length)."""
    pred, succ = {}, {}
    for c in chains:
        for u, v in zip(c, c[1:]):
            succ.setdefault(u, []).append(v)
            pred.setdefault(v, []).append(u)
    both = {v: pred.get(v, []) + succ.get(v, []) for v in set(pred) | set(succ)}
    pos: dict = {}
    for layer in layers:
        pos.update(_place(layer, {v: 0.0 for v in layer}, size))
    passes = [(pred, layers), (succ, layers[::-1])] * 6 + [(both, layers), (both, layers[::-1])] * 12
    for neigh, seq in passes:
        for layer in seq:
            wish = {v: sum(pos[u] for u in neigh[v]) / len(neigh[v]) if v in neigh else pos[v] for v in layer}
            pos.update(_place(layer, wish, size))
    return pos


# --- 5. edges ------------------------------------------------------------------------------------
def _clash(a: tuple, b: tuple) -> bool:
    """Two crossings of one gap may share a track unless they overlap and share no end point."""
    (a1, a2, sa, da), (b1, b2, sb, db) = a, b
    if sa == sb or (da == db and abs(a2 - b2) < 1e-6):
        return False
    return min(max(a1, a2), max(b1, b2)) > max(min(a1, a2), min(b1, b2)) - 2.0


def _above(a: tuple, b: tuple) -> bool:
    """Whether crossing ``a`` should run nearer the sources than ``b``: the order that makes fewer of
    their vertical parts cut through the other's horizontal part (ties: the shorter one above)."""
    def inside(x, seg):
        return min(seg[0], seg[1]) + 1e-6 < x < max(seg[0], seg[1]) - 1e-6
    a_first = inside(b[0], a) + inside(a[1], b)   # b comes down past a's track; a goes down past b's
    b_first = inside(a[0], b) + inside(b[1], a)
    return a_first < b_first or (a_first == b_first and abs(a[1] - a[0]) <= abs(b[1] - b[0]))


def _tracks(segs: list) -> tuple[list, int]:
    """A track per segment (``o1, o2, source, destination``) that runs across; -1 for straight ones.

    Segments that would run along one line get different tracks, in the order that crosses least
    (:func:`_above`); the tracks are then the ranks of that order, as for the nodes themselves.
    """
    moving = [i for i, seg in enumerate(segs) if abs(seg[0] - seg[1]) >= 1e-6]
    order = []
    for x, y in itertools.combinations(range(len(moving)), 2):
        a, b = segs[moving[x]], segs[moving[y]]
        if _clash(a, b):
            order.append((x, y) if _above(a, b) else (y, x))
    rank = _ranks(len(moving), _acyclic(len(moving), order), set())
    out = [-1] * len(segs)
    for x, i in enumerate(moving):
        out[i] = rank[x]
    return out, max(rank, default=-1) + 1


class _Level:
    """The layout of one level, in rank/order coordinates until :meth:`points`."""

    def __init__(self, items: list, edges: list, rankdir: str, ortho: bool, last=()):
        self.items, self.tb, self.ortho = items, rankdir == "TB", ortho
        self.edges = [e for e in edges if e[0] != e[1]]   # a layer feeding itself has no arrow here
        oriented = _acyclic(len(items), [(u, v) for u, v, _, _ in self.edges])
        self.flipped = [(u, v) != (e[0], e[1]) for (u, v), e in zip(oriented, self.edges)]
        rank = _ranks(len(items), oriented, set(last))
        self.chains, self.rank = _chains(oriented, rank)
        self.layers = _order(self.rank, self.chains)
        extra = [(0.0, 0.0)] * (len(self.rank) - len(items))
        sizes = [it.size if self.tb else it.size[::-1] for it in items] + extra   # (order, rank)
        self.so, self.sr = [s[0] for s in sizes], [s[1] for s in sizes]
        centre = _coordinates(self.layers, self.chains, self.so)
        low = min((centre[v] - self.so[v] / 2 for v in centre), default=0.0)
        self.centre = {v: c - low for v, c in centre.items()}
        self.thick = [max((self.sr[v] for v in layer), default=0.0) for layer in self.layers]

    def rel(self, v: int, key) -> tuple[float, float, float, float]:
        """(order offset, order size, rank offset, rank size) of box ``key`` inside item ``v``."""
        item = self.items[v]
        if item.box is not None:
            return 0.0, self.so[v], 0.0, self.sr[v]
        b = next(b for b in item.inner.boxes if b.key == key)
        x, y = b.x + FRAME_PAD, b.y + FRAME_PAD + FRAME_TITLE
        return (x, b.w, y, b.h) if self.tb else (y, b.h, x, b.w)

    def o_start(self, v: int) -> float:
        return self.centre[v] - self.so[v] / 2

    def r_start(self, v: int) -> float:
        k = self.rank[v]
        return self.band[k] + (self.thick[k] - self.sr[v]) / 2

    def ends(self, i: int) -> tuple:
        """Source and destination (item, box key) of chain ``i``, in layout direction."""
        u, v, ku, kv = self.edges[i]
        return ((v, kv), (u, ku)) if self.flipped[i] else ((u, ku), (v, kv))

    def columns(self) -> list:
        """Order coordinate of every chain at each of its nodes; arrows into one box spread out."""
        src, groups = [], {}
        for i in range(len(self.chains)):
            (u, ku), (v, kv) = self.ends(i)
            do, so, _, _ = self.rel(u, ku)
            src.append(self.o_start(u) + do + so / 2)
            groups.setdefault((v, kv), []).append(i)
        cols = [[src[i]] + [self.centre[d] for d in c[1:-1]] + [0.0] for i, c in enumerate(self.chains)]
        for (v, kv), members in groups.items():
            do, so, _, _ = self.rel(v, kv)
            members.sort(key=lambda i: (cols[i][-2], i))
            step = min(14.0, 0.7 * so / max(len(members) - 1, 1))
            low = self.o_start(v) + do
            for j, i in enumerate(members):
                cols[i][-1] = low + so / 2 + (j - (len(members) - 1) / 2) * step
            if len(members) == 1 and low + 6 <= cols[members[0]][-2] <= low + so - 6:
                cols[members[0]][-1] = cols[members[0]][-2]   # a lone arrow comes straight in
        return cols

    def tracks(self, cols: list) -> tuple[dict, list]:
        """The track of each crossing (chain, step) per gap, and the number of tracks in each gap."""
        segs: dict = {k: [] for k in range(len(self.layers))}
        for i, c in enumerate(self.chains):
            (u, ku), (v, kv) = self.ends(i)
            ids = [("out", u, ku)] + [("n", d) for d in c[1:-1]] + [("in", v, kv)]
            for s in range(len(c) - 1):
                segs[self.rank[c[s]]].append(((i, s), (cols[i][s], cols[i][s + 1], ids[s], ids[s + 1])))
        where, counts = {}, []
        for k in range(len(self.layers)):
            found, n = _tracks([seg for _, seg in segs[k]]) if self.ortho else ([-1] * len(segs[k]), 0)
            where.update({key: (k, t) for (key, _), t in zip(segs[k], found) if t >= 0})
            counts.append(n)
        return where, counts

    def route(self, i: int, cols: list, track_r: dict) -> list:
        """The polyline of chain ``i`` in points (x, y), from its true source to its true destination."""
        c, (u, ku), (v, kv) = self.chains[i], *self.ends(i)
        _, _, dr, sr = self.rel(u, ku)
        pts = [(self.r_start(u) + dr + sr, cols[0])]
        for s in range(len(c) - 1):
            k = self.rank[c[s]]
            pts.append((self.band[k] + self.thick[k], cols[s]))
            if (i, s) in track_r:
                pts += [(track_r[i, s], cols[s]), (track_r[i, s], cols[s + 1])]
            pts.append((self.band[k + 1], cols[s + 1]))
        _, _, dr, _ = self.rel(v, kv)
        pts.append((self.r_start(v) + dr, cols[-1]))
        pts = [p for j, p in enumerate(pts) if j == 0 or abs(p[0] - pts[j - 1][0]) + abs(p[1] - pts[j - 1][1]) > 1e-6]
        pts = [(o, r) if self.tb else (r, o) for r, o in pts]
        return pts[::-1] if self.flipped[i] else pts

    def result(self) -> Layout:
        cols = self.columns()
        where, counts = self.tracks(cols)
        gaps = [RANK_GAP + max(0, n - 1) * TRACK_GAP for n in counts]
        self.band = [0.0]
        for k in range(len(self.layers)):
            self.band.append(self.band[-1] + self.thick[k] + gaps[k])
        track_r = {key: self.band[k] + self.thick[k] + gaps[k] * (t + 1) / (counts[k] + 1)
                   for key, (k, t) in where.items()}
        layout = Layout(edges=[self.route(i, cols[i], track_r) for i in range(len(self.chains))])
        for v, item in enumerate(self.items):
            o, r = self.o_start(v), self.r_start(v)
            _add_item(layout, item, *((o, r) if self.tb else (r, o)))
        return layout


def _add_item(layout: Layout, item: Item, x: float, y: float) -> None:
    """Put ``item`` at top-left ``(x, y)``: a box, or a frame with the nested drawing inside."""
    w, h = item.size
    if item.box is not None:
        item.box.x, item.box.y = x, y
        layout.boxes.append(item.box)
    else:
        inner = item.inner
        inner.shift(x + FRAME_PAD, y + FRAME_PAD + FRAME_TITLE)
        layout.frames += [Frame(item.title, x, y, w, h)] + inner.frames
        layout.boxes += inner.boxes
        layout.edges += inner.edges
    layout.width, layout.height = max(layout.width, x + w), max(layout.height, y + h)


def layered_layout(items: list, edges: list, rankdir: str = "TB", ortho: bool = True, last=()) -> Layout:
    """Lay out ``items`` (boxes or laid-out nested models) joined by ``edges``.

    Parameters
    ----------
    items : list of Item
    edges : list of (int, int, key, key)
        Source item, destination item, and the box (its key) the arrow leaves and enters — the item's
        own box, or one inside a nested model.
    rankdir : {"TB", "LR"}
        Ranks run top to bottom or left to right.
    ortho : bool
        Right-angled edges; otherwise straight segments between ranks.
    last : iterable of int
        Items put on the last rank (a nested model's outputs, so arrows leave its frame freely).

    Returns
    -------
    Layout
        Coordinates in points from (0, 0); ``entries`` and ``exits`` are left for the caller.
    """
    if not items:
        return Layout()
    return _Level(items, edges, rankdir, ortho, last).result()
