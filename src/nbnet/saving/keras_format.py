"""Keras 3's own files: ``.keras`` (a zip of ``metadata.json``, ``config.json``,
``model.weights.h5``) and ``.weights.h5``, read and written without Keras installed.

Configs are translated both ways: nbnet's are Keras's less the bookkeeping Keras adds (each
object's ``module`` and ``registered_name``, dtype policies, ``build_config``, a functional
model's calls stored as ``inbound_nodes`` on each layer).  Loading is as safe as nbnet's own
format: classes are looked up by name among nbnet's own and registered ones, never imported
from a module a file names, and a ``Lambda`` (whose Keras config carries Python bytecode) is
refused.  Settings nbnet does not have are dropped when they hold Keras's default and refused,
by name, when they do not.
"""

from __future__ import annotations

import datetime
import inspect
import json

from nbnet.saving.object_registration import builtin_objects, get_registered_object

_MODULES = {"nbnet.layers": "keras.layers", "nbnet.initializers": "keras.initializers",
            "nbnet.regularizers": "keras.regularizers", "nbnet.optimizers": "keras.optimizers",
            "nbnet.losses": "keras.losses", "nbnet.metrics": "keras.metrics", "nbnet.models": "keras",
            "nbnet.activations": "keras.activations"}
# Keras settings nbnet lacks, and the values with which dropping them changes nothing.
_HARMLESS = {"quantization_config": (None,), "lora_rank": (None,), "lora_alpha": (None,),
             "input_axes": (None,), "output_axes": (None,), "groups": (1,), "synchronized": (False,),
             "use_cudnn": ("auto", False), "unroll": (False,), "sparse": (False,), "ragged": (False,),
             "optional": (False,), "autocast": (True,), "seed": (None,), "kernel_constraint": (None,),
             "bias_constraint": (None,), "recurrent_constraint": (None,), "beta_constraint": (None,),
             "gamma_constraint": (None,), "embeddings_constraint": (None,), "activity_regularizer": (None,),
             "use_ema": (False,), "ema_momentum": (0.99,), "ema_overwrite_frequency": (None,),
             "loss_scale_factor": (None,), "gradient_accumulation_steps": (None,), "weighted_metrics": (None,),
             "run_eagerly": (False,), "steps_per_execution": (1,), "jit_compile": (False, "auto"),
             "zero_output_for_mask": (False, True), "invert": (False,), "mean": (None,), "variance": (None,),
             "reduction": ("sum_over_batch_size",), "auto_vectorize": (False,), "rms_scaling": (False,)}
KERAS_FORMAT_VERSION = "3.15.1"   # the Keras release whose files the tests exchange with
_DROP = ("module", "registered_name", "build_config", "compile_config", "shared_object_id",
         "inbound_nodes")


# --- nbnet → Keras ---------------------------------------------------------------------------
def to_keras(obj):
    """A Keras 3 config for nbnet's ``serialize_layer`` / ``serialize_keras_object`` output."""
    if isinstance(obj, list):
        return [to_keras(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" in obj and isinstance(obj.get("config"), dict):
        return _object_to_keras(obj)
    return {k: to_keras(v) for k, v in obj.items()}


def _object_to_keras(obj: dict) -> dict:
    name, cfg = obj["class_name"], dict(obj["config"])
    if name == "__keras_tensor__":
        return obj
    cls = get_registered_object(name, None, builtin_objects())
    if name == "Functional":
        cfg = _functional_to_keras(cfg)
    cfg = {k: to_keras(v) for k, v in cfg.items()}
    if "dtype" in cfg and isinstance(cfg["dtype"], str):
        cfg["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": cfg["dtype"]},
                        "registered_name": None}
    module = getattr(cls, "__module__", "") or ""
    builtin = module.startswith("nbnet.")
    out = {"module": next((v for k, v in _MODULES.items() if module.startswith(k)), module) if builtin else module,
           "class_name": name if builtin else getattr(cls, "__name__", name), "config": cfg,
           "registered_name": "Functional" if name == "Functional" else (None if builtin else name)}
    if name == "Functional":
        out["module"] = "keras.src.models.functional"
    out.update({k: to_keras(v) for k, v in obj.items() if k not in ("class_name", "config", "module")})
    return out


def _functional_to_keras(cfg: dict) -> dict:
    """nbnet's ``nodes`` list → Keras's ``inbound_nodes`` (the legacy list form Keras 3 still reads)."""
    calls: dict[str, list] = {}
    for node in cfg["nodes"]:
        kwargs = dict(node.get("kwargs") or {})
        if "_folded" in kwargs:
            calls.setdefault(node["layer"], []).append(_separate_tensors(node["inputs"], kwargs))
        else:
            calls.setdefault(node["layer"], []).append([[*ref, kwargs] for ref in node["inputs"]])
    layers = []
    for layer in cfg["layers"]:
        name = layer["config"]["name"]
        layers.append({**layer, "name": name, "inbound_nodes": calls.get(name, [])})

    def refs(found, keys, is_list):
        if keys:
            return dict(zip(keys, found))
        return found if is_list or len(found) > 1 else found[0]
    return {"name": cfg["name"], "trainable": cfg.get("trainable", True), "layers": layers,
            "input_layers": refs(cfg["input_layers"], cfg.get("input_keys"), False),
            "output_layers": refs(cfg["output_layers"], cfg.get("output_keys"), cfg.get("outputs_is_list"))}


# A layer called with several tensors as separate arguments (MultiHeadAttention(query, value,
# key=..., attention_mask=...)) keeps them as one list in nbnet, named by the call kwarg "_folded";
# Keras stores such a call as {"args": [query, value], "kwargs": {"key": ..., ...}}.
_POSITIONAL_TENSORS = ("query", "value")


def _tensor_ref(ref) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"shape": [], "dtype": "float32", "keras_history": list(ref)}}


def _separate_tensors(refs, kwargs: dict) -> dict:
    """nbnet's folded call → Keras's node dict with positional and keyword tensors."""
    tensors = {n: _tensor_ref(r) for n, r in zip(kwargs.pop("_folded"), refs)}
    args = [tensors.pop(n) for n in _POSITIONAL_TENSORS if n in tensors]
    return {"args": args, "kwargs": {**kwargs, **tensors}}


def metadata() -> bytes:
    from nbnet import __version__
    saved = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    return json.dumps({"keras_version": KERAS_FORMAT_VERSION, "date_saved": saved,
                       "saved_by": f"nbnet {__version__}"}).encode()


# --- Keras → nbnet ---------------------------------------------------------------------------
def from_keras(obj, custom_objects=None, where="config"):
    """nbnet's config for a Keras 3 one; refuses Lambdas, unknown classes and unsupported settings."""
    if isinstance(obj, list):
        return [from_keras(o, custom_objects, where) for o in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" in obj and isinstance(obj.get("config"), dict):
        return _object_from_keras(obj, custom_objects, where)
    return {k: from_keras(v, custom_objects, where) for k, v in obj.items()}


def _object_from_keras(obj: dict, custom_objects, where):
    name = obj["class_name"]
    if name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        return obj["config"]["name"]
    if name == "__keras_tensor__":
        return obj
    if name == "Lambda" and "__lambda__" in json.dumps(obj["config"]):
        raise ValueError(f"{where}: refusing to load a Lambda layer: its Keras config holds Python bytecode, "
                         "and nbnet never runs code from a file. Rebuild the model with a registered custom "
                         "layer instead of the Lambda.")
    key = obj.get("registered_name") if "registered_name" in obj and obj.get("registered_name") not in (
        None, name, "Functional") else name
    cls = get_registered_object(key, custom_objects, builtin_objects())
    if not isinstance(cls, type):
        kind = "layer class" if "trainable" in obj["config"] else "class"
        raise ValueError(f"{where}: Unknown {kind} {key!r} (module {obj.get('module')!r}). nbnet loads only its "
                         "own classes and those registered with @nbnet.saving.register_keras_serializable() "
                         "or passed in custom_objects={...}; it never imports a module a file names.")
    here = f"{where} > {obj['config'].get('name', key)}"
    cfg = dict(obj["config"])
    if key == "Functional":
        cfg = _functional_from_keras(cfg, custom_objects, here)
    else:
        cfg = _accepted(cls, {k: v for k, v in cfg.items() if k not in _DROP}, here)
        cfg = {k: from_keras(v, custom_objects, here) for k, v in cfg.items()}
    return {"class_name": key, "config": cfg}


def _accepted(cls, cfg: dict, where) -> dict:
    """Drop the settings ``cls`` does not take when they hold Keras's default; refuse the others."""
    allowed = _parameters(cls)
    if allowed is None or getattr(cls, "__module__", "").startswith("nbnet.models"):
        return cfg
    out = {}
    for k, v in cfg.items():
        if k in allowed:
            out[k] = v
        elif v is not None and v not in _HARMLESS.get(k, ()):
            raise ValueError(f"{where}: Keras's {cls.__name__} has {k}={v!r}, which nbnet's {cls.__name__} "
                             "does not support (see docs/keras_differences.md)")
    return out


def _parameters(cls) -> set | None:
    """The keyword arguments ``cls`` takes, following ``**kwargs`` up its bases."""
    cell = getattr(cls, "_cell_class", None)   # SimpleRNN, LSTM, GRU: own arguments, the rest go to the cell
    names: set = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names |= {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if cell is not None or not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names | (_parameters(cell) or set()) if cell is not None else names


def _functional_from_keras(cfg: dict, custom_objects, where) -> dict:
    """Keras's per-layer ``inbound_nodes`` → nbnet's ordered ``nodes`` list."""
    layers = [from_keras(lay, custom_objects, where) for lay in cfg["layers"]]
    pending = [(lay["config"]["name"], k, node) for lay in cfg["layers"]
               for k, node in enumerate(lay.get("inbound_nodes", []))]
    done = {(lay["config"]["name"], 0) for lay in cfg["layers"] if lay["class_name"] == "InputLayer"}
    nodes = []
    while pending:
        ready = [p for p in pending if (p[1] == 0 or (p[0], p[1] - 1) in done)
                 and all((r[0], r[1]) in done for r in _node_refs(p[2])[0])]
        if not ready:
            raise ValueError(f"{where}: the functional graph's nodes cannot be ordered (corrupt config)")
        for name, k, node in ready:
            refs, is_list, kwargs = _node_refs(node)
            nodes.append({"layer": name, "inputs": [r[:3] for r in refs], "list_input": is_list, "kwargs": kwargs})
            done.add((name, k))
        pending = [p for p in pending if p not in ready]
    input_keys, ins = _refs_struct(cfg["input_layers"])
    output_keys, outs = _refs_struct(cfg["output_layers"])
    return {"name": cfg.get("name"), "trainable": cfg.get("trainable", True), "layers": layers, "nodes": nodes,
            "input_layers": ins, "output_layers": outs, "input_keys": input_keys, "output_keys": output_keys,
            "outputs_is_list": output_keys is None and _is_list_of_refs(cfg["output_layers"])}


def _node_refs(node) -> tuple[list, bool, dict]:
    """``([[layer, node, tensor], ...], called_with_a_list, kwargs)`` of one Keras inbound node."""
    if isinstance(node, list):   # legacy form: [[name, node, tensor, kwargs], ...]
        refs = [list(r[:3]) for r in node]
        kwargs = node[-1][3] if node and len(node[-1]) > 3 else {}
        return refs, len(refs) > 1, dict(kwargs or {})
    args = node.get("args", [])
    tensor_kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if _is_tensor(v)}
    if len(args) > 1 or tensor_kwargs:   # several tensor arguments: fold them into one list
        named = [*zip(_POSITIONAL_TENSORS, args), *tensor_kwargs.items()]
        kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None and k not in tensor_kwargs}
        return ([list(t["config"]["keras_history"]) for _, t in named], True,
                {**kwargs, "_folded": [n for n, _ in named]})
    first = args[0] if args else []
    is_list = isinstance(first, list)
    tensors = first if is_list else [first]
    refs = [list(t["config"]["keras_history"]) for t in tensors]
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}
    return refs, is_list, kwargs


def _is_tensor(value) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _is_list_of_refs(struct) -> bool:
    return isinstance(struct, list) and bool(struct) and isinstance(struct[0], list)


def _refs_struct(struct):
    """``(keys or None, [[layer, node, tensor], ...])`` of Keras's ``input_layers``/``output_layers``."""
    if isinstance(struct, dict):
        return list(struct), [list(v) for v in struct.values()]
    if _is_list_of_refs(struct):
        return None, [list(r) for r in struct]
    return None, [list(struct)]
