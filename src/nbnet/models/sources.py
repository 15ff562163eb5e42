"""Where an epoch's batches come from: arrays (sliced here), or a PyDataset / generator.

Both give ``fit`` / ``evaluate`` / ``predict`` the same thing: per epoch, an iterator of batches
packed as Keras packs them (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``), already
checked and cast by the model.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from nbnet.autograd import Tensor
from nbnet.models import data as batching
from nbnet.utils.packing import unpack_x_y_sample_weight
from nbnet.utils.rng import generator


def is_dataset(x) -> bool:
    """True for a PyDataset (anything indexable with ``on_epoch_end``) or a generator/iterable of
    batches; False for arrays, lists/tuples/dicts of arrays (a model's several inputs)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str)):
        return False
    return _is_indexed(x) or hasattr(x, "__iter__") or hasattr(x, "__next__")


def _is_indexed(x) -> bool:
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and hasattr(x, "on_epoch_end")


class ArrayBatches:
    """Mini-batches of ``batch_size`` sliced from arrays, reshuffled each epoch if asked."""

    def __init__(self, model, xs, ys, sw, batch_size: int, shuffle: bool = False):
        self.model, self.xs, self.ys, self.sw = model, xs, ys, sw
        self.batch_size, self.shuffle = batch_size, shuffle
        self.steps = -(-len(xs[0]) // batch_size)

    def epoch(self):
        rng = generator() if self.shuffle else None
        for idx in batching.batch_indices(len(self.xs[0]), self.batch_size, self.shuffle, rng):
            yield self.model._batch(self.xs, self.ys, self.sw, idx)


class DatasetBatches:
    """Batches read from a PyDataset (every index, in order or shuffled) or a generator/iterable.

    A generator continues where it stopped at the next epoch (as in Keras); ``steps`` bounds
    the batches per epoch (``steps_per_epoch``), or the epoch ends when the data does.
    """

    def __init__(self, model, data, steps: int | None = None, what: str = "fit", shuffle: bool = False):
        self.model, self.data, self.what, self.shuffle = model, data, what, shuffle
        self.indexed = _is_indexed(data)
        if self.indexed:
            self.steps = len(data) if steps is None else min(int(steps), len(data))
        else:
            self.steps = steps
            self._iterator = data if iter(data) is data else None   # one-shot: keep its position

    def epoch(self):
        if self.indexed:
            getattr(self.data, "on_epoch_begin", lambda: None)()
            order = generator().permutation(len(self.data)) if self.shuffle else range(len(self.data))
            for i in list(order)[:self.steps]:   # fit(shuffle=True) shuffles the batch order, as Keras
                yield self._prepared(self.data[int(i)])
            self.data.on_epoch_end()
            return
        source = self._iterator if self._iterator is not None else iter(self.data)
        count = 0
        for batch in itertools.islice(source, self.steps):
            count += 1
            yield self._prepared(batch)
        if count == 0:
            warnings.warn(f"{self.what}(): the input ran out of data (a generator yields each batch "
                          "only once; set steps_per_epoch, or make it loop)", stacklevel=3)
            self.model.stop_training = True

    def _prepared(self, batch):
        """Check and cast one batch as ``fit`` does for arrays; pack it for the step."""
        if isinstance(batch, list):
            batch = tuple(batch)
        x, y, sw = unpack_x_y_sample_weight(batch)
        xs, ys, sw = self.model._prepare(x, y, sw)
        return self.model._pack_batch(xs, ys, sw)
