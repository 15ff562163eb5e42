"""Optimizers (``keras.optimizers``): SGD, RMSprop, Adam, Adagrad, and learning-rate schedules."""

from nbnet.optimizers import schedules
from nbnet.optimizers.optimizer import SGD, Adagrad, Adam, Optimizer, RMSprop

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}


def get(identifier) -> Optimizer:
    """Resolve an optimizer from a name (``"adam"``), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return deserialize(identifier)
    raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: {', '.join(sorted(_BY_NAME))}")


def serialize(optimizer: Optimizer) -> dict:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict) -> Optimizer:
    return _CLASSES[config["class_name"]].from_config(config["config"])


__all__ = ["SGD", "Adagrad", "Adam", "Optimizer", "RMSprop", "get", "schedules", "serialize", "deserialize"]
