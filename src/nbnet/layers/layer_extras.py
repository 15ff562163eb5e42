"""What a layer keeps besides weights: the loss terms of its last call (``add_loss``, activity
regularizers), the metrics assigned to it, and its place in functional graphs (``input`` /
``output``).  A mixin of :class:`~nbnet.layers.layer.Layer`."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor


class LossesAndGraph:
    """Mixin: ``losses`` / ``add_loss``, ``metrics``, ``input`` / ``output``."""

    @property
    def losses(self) -> list:
        """Scalar losses of this layer and the layers inside it: the values given to
        :meth:`add_loss` during the last call (activity regularizers included), then the weight
        regularization penalties, computed now (Tensors while a GradientTape records)."""
        out = list(self._losses) + [reg(var) for var, reg in self._weight_regularizers]
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def add_loss(self, loss) -> None:
        """Add a loss term (e.g. a VAE's KL divergence) from inside :meth:`call`.

        The term is summed into the training loss (``Model.compute_loss`` adds every entry of
        ``model.losses``).  Terms are cleared when the outermost layer is called again, so
        ``losses`` always holds those of the last forward pass.

        Parameters
        ----------
        loss : Tensor, numpy.ndarray or float, or a list of them
            Usually a scalar computed with ``nbnet.ops`` so that gradients flow through it.
        """
        for x in (loss if isinstance(loss, (list, tuple)) else [loss]):
            if not isinstance(x, (Tensor, np.ndarray, np.number, float, int)) or isinstance(x, bool):
                raise ValueError(f"Layer {self.name!r}: add_loss() expects a Tensor or a number, "
                                 f"got {type(x).__name__}")
            self._losses.append(x)

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    @property
    def metrics(self) -> list:
        """Metric objects assigned as attributes of this layer and of the layers inside it."""
        out = list(self._metrics)
        for layer in self._layers:
            out.extend(m for m in layer.metrics if m not in out)
        return out

    # --- functional graph ------------------------------------------------------------------
    @property
    def input(self):
        """The input KerasTensor(s) of this layer's first call on symbolic inputs (Keras)."""
        return self._first_node("inputs", "input")

    @property
    def output(self):
        """The output KerasTensor(s) of this layer's first call on symbolic inputs (Keras)."""
        return self._first_node("outputs", "output")

    def _first_node(self, attr: str, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on symbolic inputs "
                                 f"(nbnet.Input) and thus has no defined {what}")
        return getattr(self._inbound_nodes[0], attr)

    def _add_activity_loss(self, out) -> None:
        """Keras 3's activity penalty: regularizer(output) / batch size, for each output."""
        from nbnet import ops
        for o in (out if isinstance(out, (list, tuple)) else [out]):
            if isinstance(o, (Tensor, np.ndarray)):
                n = o.shape[0] if o.ndim else 1
                self.add_loss(ops.divide(self.activity_regularizer(o), float(n)))

