"""Backpropagation through time (BPTT) for SimpleRNN, LSTM and GRU, written by hand.

Notation (the book's).  Time-major arrays: ``X`` is (T, N, D) — T steps, a batch of N, D features.
Each cell has an input kernel ``W`` (D, G), a recurrent kernel ``U`` (u, G) and a bias ``b``, where
G = u (SimpleRNN), 4u (LSTM), 3u (GRU).  The input part of every gate is computed for all steps at
once, ``XW = X W + b`` (one matmul); only ``h_{t-1} U`` has to wait for the previous step.

Forward runs ``step`` for t = 0 … T−1; backward runs ``step_back`` for t = T−1 … 0, carrying
dL/dh_t (and dL/dc_t) back one step at a time.  Each ``step_back`` returns the gradient with respect
to the step's input pre-activations ``dZx`` and recurrent pre-activations ``dZh``; they are stacked
over time so the weight gradients are one matmul each at the end:  dL/dW = Xᵀ dZx,
dL/dU = H_prevᵀ dZh,  dL/db = Σ dZx.

Dropout (Keras semantics, training only): one input mask ``m_x`` (N, D) and one recurrent mask ``m_h``
(N, u) per sequence, reused at every step.  ``m_x`` is applied to X before ``X W`` (by the RNN layer);
``m_h`` only where h_{t−1} meets U:  h̃_{t−1} = m_h ⊙ h_{t−1}, so dL/dU = H̃_prevᵀ dZh and the gradient
reaching h_{t−1} through U is multiplied by m_h.  The kernels store h̃_{t−1} in each step's cache.

Masking (Keras semantics): at a masked step the state and the output keep their previous values,
``h_t = m_t h̃_t + (1 − m_t) h_{t−1}``, so dL/dh̃_t = m_t dL/dh_t and dL/dh_{t−1} gets (1 − m_t) dL/dh_t.
"""

from __future__ import annotations

import numpy as np

from nbnet import activations


def _act(name, z):
    if name == "sigmoid":
        # σ(z) = ½(1 + tanh(z/2)): the same function, one transcendental pass instead of several
        # (stable for any z; the gates are multiplied, never logged, so tiny values need no care)
        a = np.multiply(z, 0.5)
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        return a
    return activations.forward(name, z)


def _dact(name, z, a, g):
    return activations.backward(name, z, a, g)       # dL/dz = f'(z) ⊙ dL/da


def _drop(h, m_h):
    return h if m_h is None else h * m_h             # h̃_{t−1} = m_h ⊙ h_{t−1}  (recurrent dropout)


def _undrop(dh, m_h):
    return dh if m_h is None else dh * m_h           # dL/dh_{t−1} = m_h ⊙ dL/dh̃_{t−1}


class SimpleRNNKernel:
    """h_t = f(x_t W + b + h_{t−1} U)."""

    def __init__(self, U, act, m_h=None):
        self.U, self.act, self.m_h = U, act, m_h

    def step(self, xw, states):
        h_rec = _drop(states[0], self.m_h)           # h̃_{t−1} (= h_{t−1} without dropout)
        z = xw + h_rec @ self.U                      # Z_t = X_t W + b + h̃_{t−1} U
        h = _act(self.act, z)                        # h_t = f(Z_t)
        return h, [h], (h_rec, z, h)

    def step_back(self, d_out, d_states, cache):
        h_rec, z, h = cache
        dz = _dact(self.act, z, h, d_out + d_states[0])   # dL/dZ_t = f'(Z_t) ⊙ dL/dh_t
        dh_prev = _undrop(dz @ self.U.T, self.m_h)         # dL/dh_{t−1} = m_h ⊙ (dL/dZ_t Uᵀ)
        return dz, dz, [dh_prev]

    def weight_grads(self, X2, dZx, dZh, caches):
        H = np.stack([c[0] for c in caches]).reshape(-1, self.U.shape[0])   # H̃_prev (dropped h_{t−1})
        return X2.T @ dZx, H.T @ dZh, dZx.sum(axis=0)     # dL/dW = X̃ᵀdZx, dL/dU = H̃ᵀdZh, dL/db = ΣdZx


class LSTMKernel:
    """Gates in Keras's order i, f, c̃, o:  c_t = f ⊙ c_{t−1} + i ⊙ c̃,  h_t = o ⊙ tanh(c_t)."""

    def __init__(self, U, act, rec_act, m_h=None):
        self.U, self.act, self.rec_act, self.m_h = U, act, rec_act, m_h
        self.u = U.shape[0]

    def step(self, xw, states):
        h_rec, c_prev = _drop(states[0], self.m_h), states[1]   # h̃_{t−1}; c_{t−1} is never dropped
        u = self.u
        z = xw + h_rec @ self.U                      # Z_t = X_t W + b + h̃_{t−1} U   (N, 4u)
        a = _act(self.rec_act, z)                    # σ on every gate (c̃'s slot is overwritten)
        a[:, 2 * u:3 * u] = _act(self.act, z[:, 2 * u:3 * u])   # c̃ = tanh(Z_c)
        i, f, g, o = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
        c = f * c_prev + i * g                       # c_t = f ⊙ c_{t−1} + i ⊙ c̃
        tc = _act(self.act, c)
        h = o * tc                                   # h_t = o ⊙ tanh(c_t)
        return h, [h, c], (h_rec, c_prev, z, a, c, tc)

    def step_back(self, d_out, d_states, cache):
        _, c_prev, z, a, c, tc = cache
        u = self.u
        i, f, g, o = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
        dh = d_out + d_states[0]                               # dL/dh_t (output + next step)
        dc = d_states[1] + _dact(self.act, c, tc, dh * o)      # dL/dc_t += dL/dh_t ⊙ o ⊙ tanh'(c_t)
        da = np.empty_like(a)
        da[:, :u] = dc * g                                     # dL/di = dL/dc_t ⊙ c̃
        da[:, u:2 * u] = dc * c_prev                           # dL/df = dL/dc_t ⊙ c_{t−1}
        da[:, 2 * u:3 * u] = dc * i                            # dL/dc̃ = dL/dc_t ⊙ i
        da[:, 3 * u:] = dh * tc                                # dL/do = dL/dh_t ⊙ tanh(c_t)
        dz = _dact(self.rec_act, z, a, da)                     # dL/dZ = σ'(Z) ⊙ dL/da (gates)
        dz[:, 2 * u:3 * u] = _dact(self.act, z[:, 2 * u:3 * u], g, da[:, 2 * u:3 * u])  # tanh' for c̃
        dh_prev = _undrop(dz @ self.U.T, self.m_h)             # dL/dh_{t−1} = m_h ⊙ (dL/dZ Uᵀ)
        dc_prev = dc * f                                       # dL/dc_{t−1} = dL/dc_t ⊙ f
        return dz, dz, [dh_prev, dc_prev]

    def weight_grads(self, X2, dZx, dZh, caches):
        H = np.stack([c[0] for c in caches]).reshape(-1, self.u)       # H̃_prev (dropped h_{t−1})
        return X2.T @ dZx, H.T @ dZh, dZx.sum(axis=0)     # dL/dW = X̃ᵀdZx, dL/dU = H̃ᵀdZh, dL/db = ΣdZx


class GRUKernel:
    """Gates in Keras's order z, r, h̃:  h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃.

    ``reset_after=True`` (Keras default, = PyTorch): h̃ = tanh(x W_h + b_h + r ⊙ (h_{t−1} U_h + b'_h)),
    with the recurrent bias ``b'`` (second row of the (2, 3u) bias) inside ``h_{t−1} U + b'``.
    ``reset_after=False``: h̃ = tanh(x W_h + b_h + (r ⊙ h_{t−1}) U_h).
    """

    def __init__(self, U, act, rec_act, reset_after, b_rec=None, m_h=None):
        self.U, self.act, self.rec_act, self.m_h = U, act, rec_act, m_h
        self.reset_after, self.b_rec = reset_after, b_rec
        self.u = U.shape[0]

    def step(self, xw, states):
        (h_prev,) = states
        h_rec, u = _drop(h_prev, self.m_h), self.u         # h̃_{t−1}: only where h meets U
        if self.reset_after:
            hu = h_rec @ self.U                            # h̃_{t−1} U (+ b')  (N, 3u)
            if self.b_rec is not None:
                hu += self.b_rec
        else:
            hu = h_rec @ self.U[:, :2 * u]                 # only the z, r columns
        zr_pre = xw[:, :2 * u] + hu[:, :2 * u]
        zr = _act(self.rec_act, zr_pre)                    # z, r = σ(x W + b + h U)
        z, r = zr[:, :u], zr[:, u:]
        rh = None
        if self.reset_after:
            hh_pre = xw[:, 2 * u:] + r * hu[:, 2 * u:]     # r applied after the matmul
        else:
            rh = r * h_rec
            hh_pre = xw[:, 2 * u:] + rh @ self.U[:, 2 * u:]   # r applied before the matmul
        hh = _act(self.act, hh_pre)                        # h̃ = tanh(...)
        h = z * h_prev + (1 - z) * hh                      # h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃
        return h, [h], (h_rec, hu, zr_pre, zr, hh_pre, hh, rh, h_prev)

    def step_back(self, d_out, d_states, cache):
        h_rec, hu, zr_pre, zr, hh_pre, hh, rh, h_prev = cache
        u = self.u
        z, r = zr[:, :u], zr[:, u:]
        dh = d_out + d_states[0]                                   # dL/dh_t
        dhh_pre = _dact(self.act, hh_pre, hh, dh * (1 - z))        # dL/dh̃_pre = tanh' ⊙ (1 − z) ⊙ dL/dh_t
        dzr = np.empty_like(zr)
        dzr[:, :u] = dh * (h_prev - hh)                            # dL/dz = dL/dh_t ⊙ (h_{t−1} − h̃)
        dh_prev = dh * z                                           # direct path (never dropped): ∋ z
        dh_rec = 0.0                                               # dL/dh̃_{t−1}: the paths through U
        if self.reset_after:
            dzr[:, u:] = dhh_pre * hu[:, 2 * u:]                   # dL/dr = dL/dh̃_pre ⊙ (h_{t−1} U_h + b'_h)
        else:
            drh = dhh_pre @ self.U[:, 2 * u:].T                    # dL/d(r ⊙ h_{t−1}) = dL/dh̃_pre U_hᵀ
            dzr[:, u:] = drh * h_rec                               # dL/dr = … ⊙ h̃_{t−1}
            dh_rec = drh * r                                       # dL/dh̃_{t−1} = … ⊙ r
        dzr_pre = _dact(self.rec_act, zr_pre, zr, dzr)             # σ' for z and r
        dzx = np.concatenate([dzr_pre, dhh_pre], axis=1)           # dL/d(x W + b)
        if self.reset_after:
            dzh = np.concatenate([dzr_pre, dhh_pre * r], axis=1)   # dL/d(h U + b') : r scales the h̃ block
            dh_rec = dzh @ self.U.T                                # dL/dh̃_{t−1} = dL/d(h̃U) Uᵀ
        else:
            dzh = dzx
            dh_rec = dh_rec + dzr_pre @ self.U[:, :2 * u].T        # dL/dh̃_{t−1} += … through z and r
        dh_prev += _undrop(dh_rec, self.m_h)                       # dL/dh_{t−1} += m_h ⊙ dL/dh̃_{t−1}
        return dzx, dzh, [dh_prev]

    def weight_grads(self, X2, dZx, dZh, caches):
        u = self.u
        H = np.stack([c[0] for c in caches]).reshape(-1, u)
        dW = X2.T @ dZx                                            # dL/dW = X̃ᵀ dZx
        if self.reset_after:
            dU = H.T @ dZh                                         # dL/dU = H̃_prevᵀ dZh
            db = np.stack([dZx.sum(axis=0), dZh.sum(axis=0)])      # dL/db (input row, recurrent row)
        else:
            RH = np.stack([c[6] for c in caches]).reshape(-1, u)
            dU = np.concatenate([H.T @ dZh[:, :2 * u], RH.T @ dZh[:, 2 * u:]], axis=1)
            db = dZx.sum(axis=0)
        return dW, dU, db


def run_forward(kernel, XW, states, mask):
    """Run the cell over time.  XW (T, N, G); mask (T, N, 1) floats or None.

    Returns the outputs (T, N, u), the final states and the per-step caches.
    """
    outs, caches, y = [], [], None
    for t in range(len(XW)):
        out, new, cache = kernel.step(XW[t], states)
        if mask is not None:                         # masked step: keep output and states
            m = mask[t]
            y = np.zeros_like(out) if y is None else y
            out = m * out + (1 - m) * y
            new = [m * s_new + (1 - m) * s for s_new, s in zip(new, states)]
        caches.append(cache)
        outs.append(out)
        states, y = new, out
    return np.stack(outs), states, caches


def run_backward(kernel, d_outs, d_last, d_states, caches, mask):
    """BPTT: walk back from t = T−1 to 0.

    ``d_outs`` (T, N, u) is dL/d(outputs) when the layer returns sequences (else ``None``);
    ``d_last`` is dL/d(last output) otherwise.  ``d_states`` are dL/d(final states).
    Returns dZx (T·N, G), dZh (T·N, Gh) and dL/d(initial states).
    """
    T = len(caches)
    dy = 0.0 if d_last is None else d_last           # gradient carried along the output chain
    dZx, dZh = [None] * T, [None] * T
    for t in range(T - 1, -1, -1):
        g = dy if d_outs is None else dy + d_outs[t]
        if mask is not None:
            m = mask[t]
            keep = [(1 - m) * d for d in d_states]   # dL/ds_{t−1} through the "keep" branch
            g, dy = m * g, (1 - m) * g
            d_states = [m * d for d in d_states]     # dL/ds̃_t = m_t dL/ds_t
        else:
            dy = 0.0                                 # the output chain ends here
        dZx[t], dZh[t], d_states = kernel.step_back(g, d_states, caches[t])
        if mask is not None:
            d_states = [a + b for a, b in zip(d_states, keep)]
    G, Gh = dZx[0].shape[-1], dZh[0].shape[-1]
    return np.stack(dZx).reshape(-1, G), np.stack(dZh).reshape(-1, Gh), d_states
