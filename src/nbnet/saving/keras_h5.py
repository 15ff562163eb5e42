"""Keras 3's HDF5 weights layout (``model.weights.h5`` in a ``.keras`` zip, or a ``.weights.h5`` file).

Keras walks the model's object tree and stores each object's variables as datasets
``<path>/vars/0``, ``<path>/vars/1``, ... in the order of the object's ``weights``.  The path of a
layer inside a Sequential or functional model is ``layers/<snake_case(class name)>``, made unique
with ``_1``, ``_2`` in the order of ``model.layers`` (never the layer's own name).  Layers that own
other layers store their variables below them::

    layers/lstm/cell/vars/0..2                    SimpleRNN, LSTM, GRU: the cell's weights
    layers/bidirectional/forward_layer/cell/vars  Bidirectional: the two wrapped RNNs
    layers/time_distributed/layer/vars            TimeDistributed: the wrapped layer
    layers/multi_head_attention/query_dense/vars  MultiHeadAttention: query_, key_, value_, output_dense
    layers/sequential/layers/dense/vars           a model used as a layer
    optimizer/vars/0..                            iterations, learning rate, then the slots

h5py is needed only here, and imported only when such a file is read or written.
"""

from __future__ import annotations

import numpy as np

from nbnet.utils.naming import to_snake_case

_RNNS = ("SimpleRNN", "LSTM", "GRU")


def require_h5py():
    """Import h5py, or say which extra installs it."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading or writing Keras files (.keras, .weights.h5) needs h5py, which nbnet's "
                          "NumPy-only core does not install: pip install 'nbnet[keras-files]' "
                          "(or pip install h5py)") from None
    return h5py


def layer_slots(layer, path: str, h5file=None) -> list[tuple[str, list]]:
    """``[(h5 group path, [Variable, ...]), ...]`` of ``layer`` stored at ``path``, as Keras lays it out."""
    name = type(layer).__name__
    if name in ("Sequential", "Functional"):
        return model_slots(layer, path, h5file)
    if name == "Bidirectional":
        return (layer_slots(layer.forward_layer, f"{path}/forward_layer")
                + layer_slots(layer.backward_layer, f"{path}/backward_layer"))
    if name == "TimeDistributed":
        return [(f"{path}/vars", [])] + layer_slots(layer.layer, f"{path}/layer")
    if name in _RNNS:
        return [(f"{path}/vars", []), (f"{path}/cell/vars", list(layer.weights))]
    if name == "MultiHeadAttention":   # four EinsumDense projections, and Keras's empty softmax and dropout
        subs = [(f"{path}/{n}_dense/vars", list(getattr(layer, f"{n}_dense").weights))
                for n in ("query", "key", "value", "output")]
        return [(f"{path}/vars", []), (f"{path}/_softmax/vars", []), (f"{path}/_dropout_layer/vars", [])] + subs
    return [(f"{path}/vars", list(layer.weights))]


def model_slots(model, path: str = "", h5file=None) -> list[tuple[str, list]]:
    """Slots of every layer of a Sequential or functional ``model`` (InputLayers included, empty).

    Reading (``h5file`` given), a layer is found by the name Keras stores beside its variables
    when the file has it, so a file whose layers are listed in another order still loads.
    """
    prefix = f"{path}/" if path else ""
    slots = [(f"{prefix}vars", [])]
    used: dict[str, int] = {}
    by_name = _paths_by_layer_name(h5file, f"{prefix}layers")
    for layer in _all_layers(model):
        base = to_snake_case(type(layer).__name__)
        n = used.get(base, 0)
        used[base] = n + 1
        where = by_name.get(layer.name, f"{prefix}layers/{base if n == 0 else f'{base}_{n}'}")
        slots += layer_slots(layer, where, h5file)
    return slots


def _paths_by_layer_name(h5file, layers_path) -> dict[str, str]:
    if h5file is None or layers_path not in h5file:
        return {}
    found = {}
    for key, group in h5file[layers_path].items():
        name = group["vars"].attrs.get("name") if "vars" in group else None
        if isinstance(name, bytes):
            name = name.decode()
        if isinstance(name, str):
            found.setdefault(name, f"{layers_path}/{key}")
    return found


def _all_layers(model) -> list:
    """The layers in Keras's ``model.layers`` order: Sequential's own (no InputLayer); a functional
    model's by decreasing depth in the graph, ties in first-visit order of a depth-first walk from
    the outputs (``keras.src.ops.function.map_graph``), InputLayers included."""
    if type(model).__name__ == "Sequential" or not hasattr(model, "outputs"):
        return list(model.layers)
    order, first_seen, done = [], {}, set()

    def visit(tensor):
        layer, node_index, _ = tensor.history
        node = layer._inbound_nodes[node_index]
        if id(node) in done:
            return
        first_seen.setdefault(id(layer), (len(first_seen), layer))
        for t in getattr(node, "flat_inputs", None) or []:
            visit(t)
        done.add(id(node))
        order.append(node)
    for t in model.outputs:
        visit(t)
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for t in getattr(node, "flat_inputs", None) or []:
            parent = t.history[0]._inbound_nodes[t.history[1]]
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    ranked = sorted(first_seen.values(), key=lambda p: (-layer_depth[id(p[1])], p[0]))
    return [layer for _, layer in ranked]


def write_slots(h5file, slots, names: dict | None = None) -> None:
    """Write each slot's arrays as ``<group>/0``, ``<group>/1``, ... (groups created even when empty);
    ``names`` (group path → layer name) become the ``name`` attribute Keras writes beside them."""
    for group_path, variables in slots:
        group = h5file.require_group(group_path)
        if names and group_path in names:
            group.attrs["name"] = names[group_path]
        for i, v in enumerate(variables):
            group.create_dataset(str(i), data=np.asarray(getattr(v, "value", v)))


def read_slots(h5file, slots, source) -> list[tuple[object, np.ndarray]]:
    """Pair each variable of ``slots`` with its array in ``h5file``; clear errors when they differ."""
    pairs = []
    for group_path, variables in slots:
        if not variables:
            continue
        if group_path not in h5file:
            raise ValueError(f"{source} has no weights at {group_path!r}: the file's model differs from this one "
                             f"(it has {sorted(h5file.get('layers', {}).keys())} under 'layers')")
        group = h5file[group_path]
        if len(group) != len(variables):
            raise ValueError(f"{source}: {group_path!r} holds {len(group)} arrays, the layer expects "
                             f"{len(variables)}; the architectures differ")
        for i, v in enumerate(variables):
            array = _dataset(group, str(i), source, group_path)
            if tuple(array.shape) != tuple(v.shape):
                raise ValueError(f"{source}: weight {v.path!r} has shape {tuple(v.shape)} in the model but "
                                 f"{array.shape} in the file ({group_path}/{i}); the architectures differ")
            pairs.append((v, array))
    return pairs


def _dataset(group, key, source, group_path) -> np.ndarray:
    if key not in group:
        raise ValueError(f"{source} is incomplete: {group_path}/{key} is missing")
    array = group[key][()]
    array = np.asarray(array)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{source}: {group_path}/{key} is not a numeric array (dtype {array.dtype})")
    return array


# --- optimizer state: nbnet keeps flat slots, Keras one variable per weight and slot -------------
_SLOTS = {"Adam": 2, "AdamW": 2, "SGD": 1, "RMSprop": 1}


def _n_slots(optimizer) -> int:
    if type(optimizer).__name__ == "SGD" and not optimizer.get_config().get("momentum"):
        return 0
    return _SLOTS[type(optimizer).__name__]


def count_arrays(h5file, path="layers") -> int:
    """How many weight arrays the file holds under ``path``."""
    found = []
    if path in h5file:
        h5file[path].visititems(lambda name, obj: found.append(name) if hasattr(obj, "shape") else None)
    return len(found)


def optimizer_arrays_to_keras(optimizer, trainable) -> list[np.ndarray] | None:
    """Keras's ``optimizer/vars`` list for an nbnet optimizer, or ``None`` when not carried.

    Carried: Adam and AdamW (no amsgrad), SGD with momentum, RMSprop without momentum or
    centering — the ones whose state is one or two slots per weight in both libraries.
    """
    arrays = optimizer.variables
    if not _carried(optimizer) or len(arrays) != 1 + _n_slots(optimizer):
        return None
    sizes = [int(np.prod(w.shape)) for w in trainable]
    splits = np.cumsum(sizes)[:-1]
    per_slot = [np.split(a, splits) for a in arrays[1:]]
    out = [np.asarray(arrays[0], dtype=np.int64), np.asarray(_learning_rate(optimizer), dtype=np.float32)]
    for i, w in enumerate(trainable):
        out += [slot[i].reshape(w.shape).astype(np.float32) for slot in per_slot]
    return out


def optimizer_arrays_from_keras(optimizer, trainable, arrays) -> list[np.ndarray] | None:
    """nbnet's flat state from Keras's per-weight list (the inverse of :func:`optimizer_arrays_to_keras`)."""
    k = _n_slots(optimizer) if _carried(optimizer) else 0
    if not _carried(optimizer) or len(arrays) != 2 + k * len(trainable):
        return None
    slots = [np.concatenate([np.ravel(arrays[2 + i * k + j]) for i in range(len(trainable))]) if trainable
             else np.zeros(0) for j in range(k)]
    return [np.asarray(arrays[0], dtype=np.int64)] + slots


def _carried(optimizer) -> bool:
    name = type(optimizer).__name__
    config = optimizer.get_config()
    if name not in _SLOTS or config.get("amsgrad") or config.get("centered"):
        return False
    if name == "RMSprop":
        return not config.get("momentum")
    return True


def _learning_rate(optimizer) -> float:
    lr = optimizer.learning_rate
    return float(lr(optimizer.iterations)) if callable(lr) else float(lr)
