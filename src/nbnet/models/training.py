"""``compile``, the loss, the metrics and the steps: what one batch of training does.

One training step is the whole algorithm of the book:

1. forward: ŷ = f(x; W)                       (recorded on a GradientTape)
2. loss:    L = Σ_outputs w_o · loss_o(y_o, ŷ_o) + regularization
3. backward: ∇_W L by reverse-mode autodiff   (tape.gradient)
4. update:  W ← optimizer(W, ∇_W L)
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from nbnet import losses as losses_mod
from nbnet import metrics as metrics_mod
from nbnet import ops
from nbnet import optimizers as optimizers_mod
from nbnet.autograd import GradientTape, Tensor, value_of
from nbnet.models import compile_utils as cu
from nbnet.models.data import unpack_x_y_sample_weight
from nbnet.models.loops import Loops, pythonify


class Trainer(Loops):
    """Mixin giving a model ``compile``, ``fit``, ``evaluate``, ``predict`` and friends.

    Custom training follows Keras 3: override :meth:`train_step` (and :meth:`test_step`), or only
    :meth:`compute_loss` / :meth:`compute_metrics`; see :meth:`train_step` for a GAN and a VAE.
    """

    compiled = False
    stop_training = False

    # --- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, **kwargs) -> None:
        """Choose the optimizer, the loss and the metrics.

        Parameters
        ----------
        optimizer : str or Optimizer
            e.g. ``"adam"`` or ``nbnet.optimizers.Adam(1e-3)``.  Keras's default is ``"rmsprop"``.
        loss : str, Loss, callable, or a list/dict of them (one per output), optional
            Leave it out for a model that computes its own loss (``add_loss`` in ``call``, or an
            overridden ``compute_loss`` / ``train_step``).
        loss_weights : list or dict of float, optional
            Multipliers of each output's loss in the total.
        metrics : list (or dict/list of lists per output) of str, Metric or callable
        """
        self.optimizer = optimizers_mod.get(optimizer)
        cu.check_names(loss, losses_mod.get)       # unknown names fail here, listing the valid ones
        cu.check_names(metrics, metrics_mod.get)
        self.loss = loss
        self._compiled = cu.CompiledOutputs(loss, loss_weights, metrics, self._output_names())
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        object.__setattr__(self, "_loss_tracker", metrics_mod.Mean("loss"))   # listed first, not tracked
        self.compiled = True

    def get_compile_config(self) -> dict | None:
        """What ``compile`` was given, as JSON-ready values (``None`` before ``compile``).

        Computed when asked (at ``save``), so a loss given as an unregistered function is fine
        for training and only saving asks for it to be registered.
        """
        if not self.compiled:
            return None
        args = self._compile_args
        return {"optimizer": optimizers_mod.serialize(self.optimizer), "loss": cu.loss_config(args["loss"]),
                "loss_weights": args["loss_weights"], "metrics": cu.metric_config(args["metrics"])}

    def _output_names(self) -> list[str]:
        return getattr(self, "output_names", None) or ["output"]

    # --- metrics ---------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """All metric objects: the loss tracker, the compiled ones (once the first batch has
        resolved them), then metrics assigned as attributes (``self.tracker = Mean(...)``) of the
        model and of its layers (nested models' own metrics excluded, as in Keras)."""
        out = []
        if self.compiled:
            out += [self._loss_tracker, *self._compiled.all_metrics()]
        out += self._metrics
        for layer in self._layers:
            if not isinstance(layer, Trainer):
                out.extend(m for m in layer.metrics if m not in out)
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Reset the state of every metric in :attr:`metrics`."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """``{name: result}`` for every metric in :attr:`metrics` (dict results are merged)."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with this batch; return :meth:`get_metrics_result`.

        Override it to update metrics of your own (and call ``super().compute_metrics``).
        """
        if self.compiled and self._compiled.metric_spec and y is not None:
            self._compiled.update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # --- the loss --------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: Σ_outputs w_o · loss_o(y_o, ŷ_o) + Σ ``self.losses``.

        ``self.losses`` holds the weight regularization penalties and every term given to
        ``add_loss`` during the forward pass.  Override this method (same signature as Keras) to
        compute a loss of your own; ``train_step`` differentiates whatever it returns.

        Returns
        -------
        Tensor
            A scalar (a Tensor while a GradientTape records).
        """
        terms = []
        if self.compiled and self._compiled.has_loss:
            if y is None:
                raise ValueError("The compiled loss needs targets y: call fit(x, y). A model that "
                                 "computes its own loss: compile() without `loss`, and add_loss() in "
                                 "call() or override compute_loss() / train_step()")
            term = self._compiled.loss(y, y_pred, sample_weight)
            if term is not None:
                terms.append(term)
        for extra in self.losses:
            terms.append(ops.sum(extra) if np.ndim(value_of(extra)) else extra)
        if not terms:
            raise ValueError("No loss to compute. Provide a `loss` argument in compile(), call "
                             "add_loss() in call(), or override compute_loss() or train_step()")
        total = terms[0]
        for term in terms[1:]:
            total = ops.add(total, term)
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """Call ``compute_loss``, also when an override has no ``training`` argument (Keras < 3.3)."""
        fn = self.compute_loss
        if _takes_training(getattr(fn, "__func__", fn)):
            return fn(x, y, y_pred, sample_weight, training=training)
        return fn(x, y, y_pred, sample_weight)

    def _check_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {what}().")

    # --- the steps -------------------------------------------------------------------------
    def train_step(self, data) -> dict:
        """One gradient step on a batch: forward, loss, backward, update; return the metrics.

        ``data`` is the batch as Keras packs it: ``x``, ``(x,)``, ``(x, y)`` or
        ``(x, y, sample_weight)`` (:func:`nbnet.utils.unpack_x_y_sample_weight` unpacks it).
        The returned ``{name: value}`` dict is what ``fit`` shows, passes to callbacks and
        records in ``History``.

        Writing your own (the part of Keras's guides that depends on the backend): record the
        forward pass on a :class:`nbnet.GradientTape`, then ``tape.gradient(loss, weights)`` and
        ``optimizer.apply(grads, weights)`` (or ``optimizer.apply_gradients(zip(grads,
        weights))``).  Where Keras-on-PyTorch calls ``loss.backward()``, nbnet calls the tape.
        ``docs/custom_training.md`` has runnable GAN, VAE and ``compute_loss`` examples.

        Examples
        --------
        A GAN with two optimizers and two loss trackers (``compile`` overridden to take them)::

            class GAN(nbnet.Model):
                def __init__(self, discriminator, generator, latent_dim):
                    super().__init__()
                    self.discriminator, self.generator = discriminator, generator
                    self.latent_dim = latent_dim
                    self.seed_generator = nbnet.random.SeedGenerator(1337)
                    self.d_loss_tracker = nbnet.metrics.Mean(name="d_loss")
                    self.g_loss_tracker = nbnet.metrics.Mean(name="g_loss")

                def compile(self, d_optimizer, g_optimizer, loss_fn):
                    super().compile()
                    self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
                    self.loss_fn = loss_fn

                @property
                def metrics(self):           # reset by fit at the start of every epoch
                    return [self.d_loss_tracker, self.g_loss_tracker]

                def train_step(self, real):  # fit(x) without y: data is the batch itself
                    n = len(real)
                    z = nbnet.random.normal((n, self.latent_dim), seed=self.seed_generator)
                    fake = self.generator(z)             # no tape: a constant for D's step
                    x = np.concatenate([fake, real])
                    labels = np.concatenate([np.ones((n, 1)), np.zeros((n, 1))])
                    d_vars = self.discriminator.trainable_weights
                    with nbnet.GradientTape() as tape:
                        d_loss = self.loss_fn(labels, self.discriminator(x))
                    self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
                    g_vars = self.generator.trainable_weights
                    with nbnet.GradientTape() as tape:   # D's weights get gradients but stay put
                        g_loss = self.loss_fn(np.zeros((n, 1)), self.discriminator(self.generator(z)))
                    self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
                    self.d_loss_tracker.update_state(d_loss)
                    self.g_loss_tracker.update_state(g_loss)
                    return {m.name: m.result() for m in self.metrics}

        A VAE needs no ``train_step`` at all: its ``call`` adds the KL term with
        ``self.add_loss(kl)``, and ``compile(optimizer, loss="binary_crossentropy")`` with
        ``fit(x, x)`` adds the reconstruction loss; or ``compile(optimizer)`` alone with
        ``fit(x)`` when ``call`` also adds the reconstruction term.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=cu.batch_length(x))
        weights = self.trainable_weights  # after the forward pass: a subclassed model builds in it
        if isinstance(loss, Tensor) and weights:   # else nothing here can learn: no update
            self.optimizer.apply(tape.gradient(loss, weights), weights)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        """Loss and metrics on a batch in inference mode (the ``evaluate`` / validation step)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=cu.batch_length(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for a batch (``data`` packed as in :meth:`train_step`)."""
        return self(unpack_x_y_sample_weight(data)[0], training=False)

    def _epoch_logs(self, step_logs) -> dict:
        """The metrics' results, or the last step's logs when a custom step returns other keys."""
        if step_logs is None:
            return {}
        results = self.get_metrics_result()
        logs = results if isinstance(step_logs, dict) and set(step_logs) == set(results) else step_logs
        return pythonify(logs)

    # --- gradients for the book and the tests ------------------------------------------------
    def gradients(self, x, y, sample_weight=None, training: bool = False):
        """Loss and its gradient with respect to every trainable weight.

        Returns
        -------
        loss : float
        grads : list of numpy.ndarray
            Aligned with ``model.trainable_weights``.
        """
        self._check_compiled("gradients")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        with GradientTape() as tape:
            y_pred = self(self._pack(xs), training=training)
            loss = self._compute_loss(self._pack(xs), self._pack(ys), y_pred, sw, training=training)
        weights = self.trainable_weights  # after the forward pass: a subclassed model builds in it
        grads = tape.gradient(loss, weights) if isinstance(loss, Tensor) else [None] * len(weights)
        grads = [np.zeros_like(w.value) if g is None else np.asarray(g) for g, w in zip(grads, weights)]
        return float(value_of(loss)), grads


@functools.lru_cache(maxsize=256)
def _takes_training(fn) -> bool:
    """Whether a ``compute_loss`` accepts ``training`` (looked up once per function)."""
    return "training" in inspect.signature(fn).parameters
