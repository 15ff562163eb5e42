"""RBM quantities computed by enumeration (exact, small models) and by annealed importance sampling.

An RBM with weights ``W`` (n_hidden, n_visible), visible bias ``b`` and hidden bias ``c`` gives

    p(v, h) = exp(b·v + c·h + h·W v) / Z,    F(v) = -b·v - Σ_j softplus(c_j + W_j·v),

and summing out either layer in closed form leaves a sum over the other one: exact results need
2**min(n_visible, n_hidden) terms.
"""

from __future__ import annotations

import numpy as np

MAX_ENUMERATED = 24          # 2**24 ≈ 17 million states, in chunks


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(x) = ½(1 + tanh(x/2)), stable for any x; ``out=x`` computes it in place."""
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), stable for any x."""
    return np.logaddexp(0.0, x)


def binary_states(n: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows ``start..stop-1`` of the 2**n binary vectors in counting order: ``(stop-start, n)``."""
    codes = np.arange(start, 2 ** n if stop is None else stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def _chunks(n: int, size: int = 2 ** 14):
    for start in range(0, 2 ** n, size):
        yield binary_states(n, start, min(start + size, 2 ** n))


def _check_small(n: int) -> None:
    if n > MAX_ENUMERATED:
        raise ValueError(f"exact computation enumerates 2**{n} states of the smaller layer; at most "
                         f"2**{MAX_ENUMERATED} are allowed. Use method='ais' instead")


def _side(W, b, c):
    """Enumerate the smaller layer: returns (weights from it, its bias, the other layer's bias, swapped)."""
    if W.shape[0] <= W.shape[1]:
        return W, c, b, False           # enumerate hidden states h
    return W.T, b, c, True              # enumerate visible states v


def exact_log_partition(W, b, c) -> float:
    """log Z by summing the smaller layer out exactly (float64)."""
    A, own, other, _ = _side(*(np.asarray(a, np.float64) for a in (W, b, c)))
    _check_small(A.shape[0])
    logs = [s @ own + softplus(s @ A + other).sum(axis=1) for s in _chunks(A.shape[0])]
    logs = np.concatenate(logs)
    top = logs.max()
    return float(top + np.log(np.exp(logs - top).sum()))


def exact_model_statistics(W, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model expectations ``(<h vᵀ>, <v>, <h>)`` under p(v, h), by enumeration (float64)."""
    W, b, c = (np.asarray(a, np.float64) for a in (W, b, c))
    A, own, other, swapped = _side(W, b, c)
    _check_small(A.shape[0])
    log_z = exact_log_partition(W, b, c)
    cross = np.zeros(A.shape)
    mean_s, mean_o = np.zeros(A.shape[0]), np.zeros(A.shape[1])
    for s in _chunks(A.shape[0]):
        cond = s @ A + other
        p = np.exp(s @ own + softplus(cond).sum(axis=1) - log_z)      # p(s), the enumerated layer
        expect_o = sigmoid(cond)                                       # E[other | s], factorised
        cross += (s * p[:, None]).T @ expect_o
        mean_s += p @ s
        mean_o += p @ expect_o
    if swapped:
        return cross.T, mean_s, mean_o
    return cross, mean_o, mean_s


def ais_schedule(n_betas: int) -> np.ndarray:
    """Inverse temperatures 0 → 1, denser near 1 (Salakhutdinov & Murray's 500 : 4000 : 10000 split)."""
    n1, n2 = max(2, round(n_betas * 500 / 14500)), max(2, round(n_betas * 4000 / 14500))
    n3 = max(2, n_betas - n1 - n2)
    return np.concatenate([np.linspace(0, 0.5, n1, endpoint=False),
                           np.linspace(0.5, 0.9, n2, endpoint=False), np.linspace(0.9, 1.0, n3)])


def ais_log_partition(W, b, c, *, base_bias, n_chains: int, betas: np.ndarray,
                      rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """Annealed importance sampling from the base RBM (W = 0, visible bias ``base_bias``) to (W, b, c).

    The intermediate model at inverse temperature β has unnormalised marginal
    log p*_β(v) = (1-β) b_A·v + β b·v + Σ_j softplus(β (W_j·v + c_j)); its Gibbs sampler uses the
    same formulas.  Returns (log Ẑ, log importance weights of the chains).
    """
    dtype = np.result_type(W, np.float32)               # float32 models sample in float32 (faster)
    W, b, c, b_a = (np.asarray(a, dtype) for a in (W, b, c, base_bias))
    v = (rng.random((n_chains, b.size), dtype=dtype) < sigmoid(b_a)).astype(dtype)   # exact base sample
    log_w = np.zeros(n_chains)
    for beta_prev, beta in zip(betas[:-1], betas[1:]):
        a = v @ W.T + c
        a64 = a.astype(np.float64)                       # the weights accumulate in float64
        log_w += (beta - beta_prev) * (v @ (b - b_a)) + (softplus(beta * a64) - softplus(beta_prev * a64)).sum(1)
        h = (rng.random(a.shape, dtype=dtype) < sigmoid(beta * a)).astype(dtype)      # h ~ p_β(h | v)
        v = (rng.random(v.shape, dtype=dtype) < sigmoid((1 - beta) * b_a + beta * (b + h @ W))).astype(dtype)
    b_a = b_a.astype(np.float64)
    log_z_base = softplus(b_a).sum() + c.size * np.log(2.0)                  # Z_A = Π(1+e^{b_A}) 2^{n_h}
    top = log_w.max()
    return float(log_z_base + top + np.log(np.mean(np.exp(log_w - top)))), log_w
