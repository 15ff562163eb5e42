"""Optimizers: how a gradient becomes a weight update.  The optimizer owns all its state.

Keras's update rules and defaults, written with the book's symbols: w a weight, g = ∂L/∂w,
η the learning rate, t the step number (from 1).
"""

from __future__ import annotations

import math

import numpy as np

from nbnet.optimizers import schedules
from nbnet.variables import Variable

_BLOCK = 1 << 15   # weights per update block (128 KB of float32)


class Optimizer:
    """Base class (``keras.optimizers.Optimizer``).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
    weight_decay : float, optional
        Decoupled weight decay: ``w ← w − η·λ·w`` before the update.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Clip each gradient's norm, each gradient's values, or all gradients' joint norm.
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of clipnorm, clipvalue and global_clipnorm can be set")
        self._learning_rate = learning_rate
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._slots: list[np.ndarray] = []
        self._built_for: list[int] = []
        self._vars: list[Variable] = []

    # --- learning rate ------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        lr = self._learning_rate
        return float(lr(self.iterations)) if isinstance(lr, schedules.LearningRateSchedule) else float(lr)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value

    # --- state ----------------------------------------------------------------------------
    # All weights of the same dtype are packed into one flat array (each Variable's value
    # becomes a view into it) so one update rule call updates every weight at once: the
    # rules are elementwise, so this is the same maths with far fewer NumPy calls.
    def _slot_names(self) -> list[str]:
        return []

    def _new_slots(self, w: np.ndarray) -> list[np.ndarray]:
        return [np.zeros_like(w) for _ in self._slot_names()]

    def build(self, variables) -> None:
        """Create the state (momenta, averages...) for ``variables``."""
        variables = list(variables)
        self._vars = variables
        self._built_for = [id(v) for v in variables]
        self._pack()
        self._slots = self._new_slots(self._flat)

    def _pack(self) -> None:
        """Copy the weights into one flat array and make each Variable a view of its slice."""
        dtypes = {v.value.dtype for v in self._vars}
        self._mixed_dtypes = len(dtypes) > 1
        dtype = dtypes.pop() if len(dtypes) == 1 else np.float64
        self._flat = np.concatenate([v.value.ravel() for v in self._vars]).astype(dtype, copy=False) \
            if self._vars else np.zeros(0)
        self._views, offset = [], 0
        for v in self._vars:
            n = v.value.size
            view = self._flat[offset:offset + n].reshape(v.value.shape)
            if v.value.dtype == dtype:
                v.value = view
            self._views.append(view)
            offset += n

    def _packed(self) -> bool:
        flat = self._flat
        return self._mixed_dtypes or all(v.value.base is flat for v in self._vars)

    @property
    def variables(self) -> list[np.ndarray]:
        """The optimizer's state as arrays: the step count, then each slot (flat over all weights)."""
        return [np.asarray(self.iterations, dtype=np.int64)] + list(getattr(self, "_slots", []))

    def load_own_variables(self, arrays) -> None:
        self.iterations = int(arrays[0])
        for slot, a in zip(self._slots, arrays[1:]):
            if slot.shape != a.shape:
                raise ValueError(f"{type(self).__name__}: saved state has shape {a.shape}, expected {slot.shape}")
            slot[...] = a

    # --- updates ----------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> None:
        """Apply ``[(gradient, variable), ...]`` (TensorFlow/Keras style)."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, variables) -> None:
        """Update each variable from its gradient; ``None`` gradients are skipped."""
        variables = list(variables)
        if not variables:
            self.iterations += 1
            return
        if [id(v) for v in variables] != self._built_for:
            self._rebuild(variables)
        elif not self._packed():
            self._pack()  # another optimizer or a load re-bound the weights: take their values
        grads = self._clip(list(grads))
        for g, v in zip(grads, variables):
            if g is not None and g.shape != v.shape:
                raise ValueError(f"{type(self).__name__}: gradient for {v.path!r} has shape {g.shape}, "
                                 f"expected {v.shape}")
        lr = self.learning_rate
        t = self.iterations + 1
        if all(g is not None for g in grads):
            self._step(np.concatenate([g.ravel() for g in grads]).astype(self._flat.dtype, copy=False),
                       self._flat, self._slots, lr, t)
        else:
            offset = 0
            for g, w in zip(grads, self._views):
                n = w.size
                if g is not None:
                    self._step(g.ravel().astype(w.dtype, copy=False), self._flat[offset:offset + n],
                               [s[offset:offset + n] for s in self._slots], lr, t)
                offset += n
        if self._mixed_dtypes:   # weights of another dtype are updated through a copy
            for v, view in zip(self._vars, self._views):
                v.value[...] = view
        self.iterations = t

    def _step(self, g, w, slots, lr, t) -> None:
        # The rules are elementwise: updating block by block keeps each block in the CPU cache
        # through all the rule's passes (same result, fewer trips to memory for large models).
        for a in range(0, w.size, _BLOCK):
            b = a + _BLOCK
            wb = w[a:b]
            if self.weight_decay:
                wb -= (lr * self.weight_decay) * wb    # decoupled weight decay: w ← w − η λ w
            self.update_step(g[a:b], wb, [s[a:b] for s in slots], lr, t)

    def _rebuild(self, variables) -> None:
        old = {}
        if self._built_for:
            offset = 0
            for v in self._vars:
                n = v.value.size
                old[id(v)] = [s[offset:offset + n].copy() for s in self._slots]
                offset += n
        self.build(variables)
        offset = 0
        for v in variables:
            n = v.value.size
            for s, saved in zip(self._slots, old.get(id(v), [])):
                s[offset:offset + n] = saved
            offset += n

    def _clip(self, grads):
        if self.clipvalue is not None:
            return [None if g is None else np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            return [None if g is None else g * min(1.0, self.clipnorm / (np.linalg.norm(g) + 1e-12))
                    for g in grads]
        if self.global_clipnorm is not None:
            norm = math.sqrt(sum(float((g * g).sum()) for g in grads if g is not None))
            scale = min(1.0, self.global_clipnorm / (norm + 1e-12))
            return [None if g is None else g * scale for g in grads]
        return grads

    def update_step(self, g, w, slots, lr, t) -> None:
        """Update the array ``w`` in place from gradient ``g`` at step ``t``."""
        raise NotImplementedError

    # --- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        return {"name": self.name, "learning_rate": schedules.serialize(lr) if isinstance(
                    lr, schedules.LearningRateSchedule) else float(lr),
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Plain: ``w ← w − η g``.  With momentum μ: ``m ← μ m − η g;  w ← w + m``.
    Nesterov: ``w ← w + μ m − η g`` (with the new m).
    """

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _slot_names(self):
        return ["momentum"] if self.momentum else []

    def update_step(self, g, w, slots, lr, t):
        if not self.momentum:
            w -= lr * g
            return
        m = slots[0]
        m *= self.momentum
        m -= lr * g                                   # m ← μ m − η g
        if self.nesterov:
            w += self.momentum * m - lr * g           # w ← w + μ m − η g
        else:
            w += m                                    # w ← w + m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide the step by a running RMS of the gradients.

    ``v ← ρ v + (1 − ρ) g²;  w ← w − η g / √(v + ε)`` — Keras puts ε *inside* the square root
    (PyTorch adds it outside).  ``centered`` subtracts the squared running mean of g.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _slot_names(self):
        return ["velocity"] + (["momentum"] if self.momentum else []) + (["average_gradient"] if self.centered else [])

    def update_step(self, g, w, slots, lr, t):
        v = slots[0]
        v *= self.rho
        v += (1 - self.rho) * g * g                   # v ← ρ v + (1 − ρ) g²
        denominator = v + self.epsilon
        if self.centered:
            avg = slots[-1]
            avg *= self.rho
            avg += (1 - self.rho) * g                 # ḡ ← ρ ḡ + (1 − ρ) g
            denominator -= avg * avg
        increment = lr * g / np.sqrt(denominator)    # η g / √(v + ε)
        if self.momentum:
            m = slots[1]
            m *= self.momentum
            m += increment
            w -= m
        else:
            w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba).

    ``m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    w ← w − α m / (√v + ε)`` with ``α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``.
    Keras (and the paper's efficient form) folds the bias corrections into α, so ε is added to
    √v, not to √v̂ as in PyTorch: the two agree up to ε's scale.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _slot_names(self):
        return ["momentum", "velocity"] + (["velocity_hat"] if self.amsgrad else [])

    def update_step(self, g, w, slots, lr, t):
        m, v = slots[0], slots[1]
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        tmp = np.subtract(g, m)                       # (in-place steps: no temporaries)
        tmp *= 1 - self.beta_1
        m += tmp                                      # m ← β₁ m + (1 − β₁) g
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp                                      # v ← β₂ v + (1 − β₂) g²
        if self.amsgrad:
            np.maximum(slots[2], v, out=slots[2])
            v = slots[2]
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp                                      # w ← w − α m / (√v + ε)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adagrad(Optimizer):
    """Per-weight steps that shrink with the sum of squared gradients.

    ``a ← a + g²;  w ← w − η g / √(a + ε)``, with ``a`` starting at ``initial_accumulator_value``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _slot_names(self):
        return ["accumulator"]

    def _new_slots(self, w):
        return [np.full_like(w, self.initial_accumulator_value)]

    def update_step(self, g, w, slots, lr, t):
        a = slots[0]
        a += g * g                                    # a ← a + g²
        w -= lr * g / np.sqrt(a + self.epsilon)       # w ← w − η g / √(a + ε)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
