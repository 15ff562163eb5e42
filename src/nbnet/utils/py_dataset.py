"""``PyDataset``: a dataset of batches computed on demand (``keras.utils.PyDataset``)."""

from __future__ import annotations


class PyDataset:
    """Base class for a dataset that produces one batch per index.

    Implement ``__len__`` (the number of batches) and ``__getitem__(index)`` returning a batch:
    ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` with NumPy arrays.  ``fit`` asks for every
    index of an epoch in order and then calls :meth:`on_epoch_end` (e.g. to reshuffle).

    Parameters
    ----------
    workers, use_multiprocessing, max_queue_size
        Keras's arguments, accepted for compatibility; nbnet reads batches in the calling thread.

    Examples
    --------
    >>> class Batches(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, i):
    ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")

    @property
    def num_batches(self) -> int | None:
        """The number of batches per epoch (``len(self)``)."""
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""
