"""``MultiHeadAttention`` (``keras.layers.MultiHeadAttention``), with Keras 3's weights.

For query ``x_q`` (N, T, Dq), value ``x_v`` (N, S, Dv), key ``x_k`` (N, S, Dk), ``h`` heads::

    Q = x_q W_q + b_q     (N, T, h, dk)       W_q: (Dq, h, dk), the EinsumDense "query"
    K = x_k W_k + b_k     (N, S, h, dk)       W_k: (Dk, h, dk), "key"
    V = x_v W_v + b_v     (N, S, h, dv)       W_v: (Dv, h, dv), "value"
    A = softmax(Q Kᵀ/√dk + mask)  per head    (N, h, T, S)
    O = dropout(A) V                          (N, h, T, dv)
    y = Σ_heads O W_o + b_o                   W_o: (h, dv, Dout), "attention_output"

The four projections are :class:`~nbnet.layers.einsum_dense.EinsumDense` sublayers holding the
weights (Keras's shapes and order), but the layer runs as one fused node: the projections become
single matrix products and :meth:`MultiHeadAttention.backward` writes every derivative out.
"""

from __future__ import annotations

import math

import numpy as np

from nbnet import initializers, regularizers
from nbnet.layers.attention import kernels
from nbnet.layers.attention.attention import _symbolic
from nbnet.layers.einsum_dense import EinsumDense
from nbnet.layers.layer import Layer

_TENSOR_ARGS = ("query", "value", "key", "attention_mask")


def _proj_equation(free: int, bound: int, out: int) -> tuple[str, str]:
    """Keras's ``_build_proj_equation``: e.g. (2, 1, 2) → ``("abc,cde->abde", "de")``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    i, b, o = letters[:free], letters[free:free + bound], letters[free + bound:free + bound + out]
    return f"{i}{b},{b}{o}->{i}{o}", o


def _check_positive(name, value, allow_none=False) -> None:
    ok = (value is None and allow_none) or (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                                            and value > 0)
    if not ok:
        kind = "a positive integer or `None`" if allow_none else "a positive integer"
        raise ValueError(f"Received an invalid value for argument `{name}`, expected {kind}. "
                         f"Received: {name}={value}")


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras 3's constructor, call and weights.

    Parameters
    ----------
    num_heads : int
        Number of attention heads ``h``.
    key_dim : int
        Size of each head for query and key ``dk``.
    value_dim : int, optional
        Size of each head for value ``dv`` (default ``key_dim``).
    dropout : float
        Dropout rate on the attention weights.
    use_bias : bool
        Whether the four projections have biases.
    output_shape : int or tuple, optional
        Output size without batch and sequence axes (default: the query's last axis).
    attention_axes : int or tuple, optional
        Axes attention runs over; only the default (every axis between batch and features) is
        supported.
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        Passed to the four projections.
    seed : int, optional
        Seed of the dropout noise.

    Call arguments
    --------------
    query (N, T, Dq), value (N, S, Dv), key (N, S, Dk) (default ``value``);
    query_mask / value_mask / key_mask bool (N, T) / (N, S) (also taken from a propagated mask);
    attention_mask bool (N, T, S); return_attention_scores; training; use_causal_mask.

    Returns
    -------
    ndarray (N, T, Dout), or ``(output, scores (N, h, T, S))``.
    """

    supports_masking = True

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, seed=None,
                 sliding_window=None, flash_attention=None, use_gate: bool = False, **kwargs):
        _check_positive("num_heads", num_heads)
        _check_positive("key_dim", key_dim)
        _check_positive("value_dim", value_dim, allow_none=True)
        for option, value in (("activity_regularizer", activity_regularizer), ("kernel_constraint",
                              kernel_constraint), ("bias_constraint", bias_constraint), ("use_gate", use_gate),
                              ("flash_attention", flash_attention)):
            if value:
                raise NotImplementedError(f"MultiHeadAttention: `{option}` is not supported by nbnet "
                                          f"(got {value!r}); leave it at its default")
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        self._output_shape = self._as_shape(output_shape)
        self.attention_axes = (attention_axes,) if isinstance(attention_axes, int) else attention_axes
        if sliding_window is not None:
            _check_positive("sliding_window", sliding_window)
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._options = {"names": ("query", "value"), "return_attention_scores": False, "use_causal_mask": False,
                         "shared": (0, 1, 1)}

    @staticmethod
    def _as_shape(output_shape):
        if not output_shape:
            return None
        if isinstance(output_shape, (int, np.integer)):
            return (int(output_shape),)
        try:
            return tuple(int(d) for d in output_shape)
        except TypeError as err:
            raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` "
                             "should be of type tuple, list, or int.") from err

    # --- weights: four EinsumDense sublayers, in Keras's order ----------------------------------
    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if value_shape is None:   # called with the folded list of shapes
            shapes = dict(zip(self._options["names"], query_shape))
            query_shape, value_shape, key_shape = shapes["query"], shapes["value"], shapes.get("key")
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}")
        self._check_axes(len(query_shape))
        self._query_dense = self._projection(query_shape, self.key_dim, "query")
        self._key_dense = self._projection(key_shape, self.key_dim, "key")
        self._value_dense = self._projection(value_shape, self.value_dim, "value")
        rank = len(query_shape)
        out = self._output_shape or (query_shape[-1],)
        eq, bias_axes = _proj_equation(rank - 1, 2, len(out))
        self._output_dense = EinsumDense(eq, output_shape=[None] * (rank - 2) + list(out), name="attention_output",
                                         bias_axes=bias_axes if self.use_bias else None, **self._sub_kwargs())
        self._output_dense.build((*query_shape[:-1], self.num_heads, self.value_dim))
        self._projections = (self._query_dense, self._key_dense, self._value_dense)
        for var in self._own_trainable():
            var.path = f"{self.name}/{var.path}"    # Keras's paths: "multi_head_attention/query/kernel"
        self.built = True

    def _projection(self, shape, size: int, name: str) -> EinsumDense:
        eq, bias_axes = _proj_equation(len(shape) - 1, 1, 2)
        layer = EinsumDense(eq, output_shape=[None] * (len(shape) - 2) + [self.num_heads, size], name=name,
                            bias_axes=bias_axes if self.use_bias else None, **self._sub_kwargs())
        layer.build(tuple(shape))
        return layer

    def _sub_kwargs(self) -> dict:
        fresh = type(self.kernel_initializer).from_config(self.kernel_initializer.get_config())
        return {"kernel_initializer": fresh, "bias_initializer": self.bias_initializer,
                "kernel_regularizer": self.kernel_regularizer, "bias_regularizer": self.bias_regularizer,
                "dtype": self.dtype}

    def _check_axes(self, rank: int) -> None:
        default = tuple(range(1, rank - 1))
        given = self.attention_axes
        if given is not None and tuple(a % rank if a < 0 else a for a in given) != default:
            raise NotImplementedError(f"MultiHeadAttention: attention_axes={given} is not supported by nbnet; "
                                      f"only the default (every axis between batch and features, {default})")

    def _own_trainable(self):
        subs = [getattr(self, f"_{n}_dense", None) for n in ("query", "key", "value", "output")]
        return [v for s in subs if s is not None for v in s._variables if v.trainable]

    @property
    def query_dense(self): return self._query_dense

    @property
    def key_dense(self): return self._key_dense

    @property
    def value_dense(self): return self._value_dense

    @property
    def output_dense(self): return self._output_dense

    # --- calling: the tensors travel as one list [query, value(, key)(, attention_mask)] -------
    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                 attention_mask=None, return_attention_scores: bool = False, training=None,
                 use_causal_mask: bool = False, mask=None, _folded=None, **kwargs):
        if _folded is not None:   # a functional model replays the call with the list
            given = dict(zip(_folded, query))
        elif value is None and isinstance(query, (list, tuple)) and 2 <= len(query) <= 3:
            given = dict(zip(_TENSOR_ARGS, query))   # [query, value(, key)] as one list (nbnet.testing)
        elif value is None:
            raise TypeError("MultiHeadAttention.call() missing 1 required positional argument: 'value'")
        else:
            given = {n: t for n, t in zip(_TENSOR_ARGS, (query, value, key, attention_mask)) if t is not None}
        names, tensors = tuple(given), list(given.values())
        masks = self._masks(names, mask, {"query": query_mask, "value": value_mask, "key": key_mask})
        ids = {n: id(t) for n, t in given.items()}
        self._options = {"names": names, "return_attention_scores": bool(return_attention_scores),
                         "use_causal_mask": bool(use_causal_mask),
                         "shared": (ids["query"], ids.get("key", ids["value"]), ids["value"])}
        if _symbolic(tensors):
            if any(m is not None for m in masks):
                raise ValueError("MultiHeadAttention: in a functional model, masks come from the inputs "
                                 "(Embedding(mask_zero=True), Masking) or as `attention_mask`")
            from nbnet.layers.input_layer import symbolic_call
            extra = {k: v for k, v in self._options.items() if k not in ("names", "shared") and v}
            return symbolic_call(self, tensors, _folded=list(names), **extra)
        masks = None if all(m is None for m in masks) else masks
        return super().__call__(tensors, training=training, mask=masks, **kwargs)

    @staticmethod
    def _masks(names, mask, explicit: dict) -> list:
        """One padding mask per tensor: explicit ``*_mask`` arguments win over propagated ones."""
        found = dict(zip(names, mask)) if isinstance(mask, (list, tuple)) else {"query": mask}
        found.update({n: m for n, m in explicit.items() if m is not None})
        return [None if n == "attention_mask" else found.get(n) for n in names]

    def _attention_mask(self, x: dict, m: dict, T: int, S: int):
        """Keras's ``_compute_attention_mask``: (N or 1, T, S) bool, or None."""
        N = x["query"].shape[0]
        parts = [None if m.get("query") is None else np.asarray(m["query"]).reshape(N, T, 1),
                 None if m.get("value") is None else np.asarray(m["value"]).reshape(N, 1, S),
                 None if m.get("key") is None else np.asarray(m["key"]).reshape(N, 1, S)]
        if self._options["use_causal_mask"]:
            if x["query"].ndim != 3:
                raise NotImplementedError("MultiHeadAttention: use_causal_mask needs (N, T, D) inputs in nbnet")
            parts.append(kernels.causal_mask(T, S))
        if self.sliding_window is not None:
            i, j = np.arange(T)[:, None], np.arange(S)[None, :]
            parts.append((np.abs(i - j) < self.sliding_window)[None])
        if "attention_mask" in x:
            am = np.asarray(x["attention_mask"])
            parts.append(am.reshape(am.shape[0], T, S) if am.ndim > 3 else am)
        return kernels.combine_masks(*parts)

    # --- forward and backward --------------------------------------------------------------
    def _groups(self) -> list[list[int]]:
        """Projections (0 query, 1 key, 2 value) whose inputs are one object share one matrix product."""
        ids = self._options["shared"]
        return [[i for i in range(3) if ids[i] == u] for u in dict.fromkeys(ids)]

    def _stacked(self, idxs: list[int], D: int):
        """The kernels (and biases) of projections ``idxs`` side by side: W (D, Σ h·d), b or None."""
        denses = [self._projections[i] for i in idxs]
        W = np.concatenate([d.kernel.value.reshape(D, -1) for d in denses], axis=1)
        b = None if not self.use_bias else np.concatenate([d.bias.value.reshape(-1) for d in denses])
        return W, b

    def _project(self, flat: list) -> list:
        """(N, L, D) inputs → Q, K, V (N, h, L, d): ``Z = X W + b`` for all heads, one product per input."""
        out = [None] * 3
        for idxs in self._groups():
            N, L, D = flat[idxs[0]].shape
            W, b = self._stacked(idxs, D)
            Z = flat[idxs[0]].reshape(N * L, D) @ W                           # Z = X W
            if b is not None:
                Z += b                                                         #   + b
            cols = np.cumsum([self._projections[i].kernel.value[0].size for i in idxs])[:-1]
            for i, z in zip(idxs, np.split(Z, cols, axis=1)):
                out[i] = z.reshape(N, L, self.num_heads, -1).transpose(0, 2, 1, 3)
        return out

    def forward(self, inputs, training: bool = False, mask=None):
        names = self._options["names"]
        x = dict(zip(names, inputs))
        m = dict(zip(names, mask)) if mask is not None else {}
        xq, xv = x["query"], x["value"]
        xk = x.get("key", xv)
        N = xq.shape[0]
        flat = [np.reshape(a, (N, -1, a.shape[-1])) for a in (xq, xk, xv)]   # attention axes as one
        T, S = flat[0].shape[1], flat[1].shape[1]
        amask = self._attention_mask(x, m, T, S)
        Q, K, V = self._project(flat)
        rate = self.dropout if training else 0.0
        # Keras 3 zeroes a fully masked query row when it goes through its Softmax layer (scores
        # returned, dropout, inputs of rank > 3) and leaves it uniform in its fused path: so do we
        zero = self._options["return_attention_scores"] or self.dropout > 0 or xq.ndim != 3
        O, A, core = kernels.sdpa_forward(Q, K, V, None if amask is None else amask[:, None],
                                          1.0 / math.sqrt(self.key_dim), rate, self._rng, zero)
        y, Ocat = self._output(O, xq.shape)
        cache = (flat, core, Ocat, names, [a.shape for a in (xq, xk, xv)], A.shape, self._groups())
        if self._options["return_attention_scores"]:
            return [y, A.reshape(N, self.num_heads, *xq.shape[1:-1], *xv.shape[1:-1])], cache
        return y, cache

    def _output(self, O: np.ndarray, q_shape: tuple):
        """``(y, O_cat)``: the heads (N, h, T, dv) side by side (N·T, h·dv), projected to the output."""
        N, h, T, dv = O.shape
        Ocat = O.transpose(0, 2, 1, 3).reshape(N * T, h * dv)               # heads side by side
        Wo = self._output_dense.kernel.value
        y = Ocat @ Wo.reshape(h * dv, -1)                                    # y = Σ_heads O W_o
        if self._output_dense.bias is not None:
            y += self._output_dense.bias.value.reshape(-1)                   #   + b_o
        return y.reshape(*q_shape[:-1], *Wo.shape[2:]), Ocat

    def backward(self, grad, cache, need_input_grad=True):
        flat, core, Ocat, names, shapes, a_shape, groups = cache
        dy, dA = (grad[0], grad[1].reshape(a_shape)) if isinstance(grad, list) else (grad, None)
        N, h, T, _ = a_shape
        out = self._output_dense
        Wo = out.kernel.value.reshape(h * self.value_dim, -1)
        dY = dy.reshape(N * T, -1)
        grads = {3: [Ocat.T @ dY, dY.sum(axis=0)]}                           # dW_o = Oᵀ dy, db_o = Σ dy
        dO = (dY @ Wo.T).reshape(N, T, h, self.value_dim).transpose(0, 2, 1, 3)   # dO = dy W_oᵀ, per head
        dZ = kernels.sdpa_backward(dO, dA, core)                            # dQ, dK, dV through attention
        dx = [None] * 3
        for idxs in groups:
            dx[idxs[0]] = self._project_backward(idxs, flat[idxs[0]], dZ, grads)
        ordered = []
        for i, dense in enumerate((*self._projections, out)):
            pairs = zip([dense.kernel, dense.bias], grads[i])
            ordered += [g.reshape(v.shape) for v, g in pairs if v is not None and v.trainable]
        by_name = {n: None if d is None else d.reshape(s) for n, d, s in zip(("query", "key", "value"), dx, shapes)}
        if "key" not in names and by_name["key"] is not None:             # key is value: both paths add
            by_name["value"] = by_name["key"] if by_name["value"] is None else by_name["value"] + by_name["key"]
        return [by_name.get(n) for n in names], ordered

    def _project_backward(self, idxs: list[int], x2: np.ndarray, dZ, grads: dict) -> np.ndarray:
        """dL/dX for ``Z = X W + b`` of projections ``idxs`` (one input); fills ``grads[i] = [dW, db]``."""
        N, L, D = x2.shape
        dZ2 = np.concatenate([dZ[i].transpose(0, 2, 1, 3).reshape(N * L, -1) for i in idxs], axis=1)
        W, _ = self._stacked(idxs, D)
        dW = x2.reshape(N * L, D).T @ dZ2                                    # dL/dW = Xᵀ dZ
        db = dZ2.sum(axis=0)                                                 # dL/db = Σ dZ
        cols = np.cumsum([self._projections[i].kernel.value[0].size for i in idxs])[:-1]
        for i, w, b in zip(idxs, np.split(dW, cols, axis=1), np.split(db, cols)):
            grads[i] = [w, b]
        return dZ2 @ W.T                                                     # dL/dX = dZ Wᵀ

    # --- shapes, masks, config -----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        shapes = dict(zip(self._options["names"], input_shape))
        q, v = tuple(shapes["query"]), tuple(shapes["value"])
        out = q[:-1] + (self._output_shape or (q[-1],))
        if self._options["return_attention_scores"]:
            return [out, (q[0], self.num_heads, *q[1:-1], *v[1:-1])]
        return out

    def compute_mask(self, inputs, mask=None):
        query_mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        return None if query_mask is None else np.asarray(query_mask)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self._output_shape, "attention_axes": self.attention_axes,
                "sliding_window": self.sliding_window,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer), "seed": self.seed}
