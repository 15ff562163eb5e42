"""Recurrent layers: the Layer contract, BPTT gradients, and parity with Keras 3 and PyTorch."""

import keras
import numpy as np
import pytest
import torch

import nbnet
from nbnet import layers as L
from nbnet import ops
from nbnet.autograd import GradientTape, Tensor
from nbnet.testing import check_gradients, run_layer_test

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6, 4))


class WithArgs(L.Layer):
    """Call ``inner`` with a fixed mask / initial state, so check_gradients can drive it."""

    def __init__(self, inner, mask=None, n_states=0, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.mask, self.n_states = inner, mask, n_states

    def call(self, inputs):
        if self.n_states:
            return self.inner(inputs[0], initial_state=list(inputs[1:]), mask=self.mask)
        return self.inner(inputs, mask=self.mask)


def _keras_out(y):
    ys = y if isinstance(y, (list, tuple)) else [y]
    return [keras.ops.convert_to_numpy(a) for a in ys]


def _as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


# --- the Layer contract ---------------------------------------------------------------------
CONFIGS = [{}, {"return_sequences": True}, {"return_state": True}, {"go_backwards": True},
           {"return_sequences": True, "return_state": True, "go_backwards": True}]


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS)
def test_run_layer_test(cls, config):
    n_w = 3
    run_layer_test(getattr(L, cls), {"units": 3, **config}, (2, 4, 5),
                   expected_num_trainable_weights=n_w, expected_num_non_trainable_weights=0)


def test_run_layer_test_variants():
    run_layer_test(L.GRU, {"units": 3, "reset_after": False, "return_sequences": True}, (2, 4, 5))
    run_layer_test(L.LSTM, {"units": 2, "activation": "relu", "use_bias": False,
                            "unit_forget_bias": False}, (2, 4, 5), expected_num_trainable_weights=2)
    run_layer_test(L.RNN, {"cell": L.LSTMCell(3), "return_sequences": True}, (2, 4, 5))
    run_layer_test(L.Bidirectional, {"layer": L.GRU(3, return_sequences=True)}, (2, 4, 5),
                   expected_output_shape=(2, 4, 6), expected_num_trainable_weights=6)
    for mode in ("sum", "mul", "ave"):
        run_layer_test(L.Bidirectional, {"layer": L.LSTM(3), "merge_mode": mode}, (2, 4, 5),
                       expected_output_shape=(2, 3))
    run_layer_test(L.TimeDistributed, {"layer": L.Dense(3, activation="tanh")}, (2, 4, 5),
                   expected_output_shape=(2, 4, 3))
    run_layer_test(L.Embedding, {"input_dim": 7, "output_dim": 3}, (2, 4),
                   input_data=RNG.integers(0, 7, (2, 4)), expected_output_shape=(2, 4, 3),
                   run_gradient_check=False)


def test_lstm_weights_follow_keras():
    layer = L.LSTM(5)
    layer(np.zeros((1, 2, 3), "float32"))
    assert [w.shape for w in layer.weights] == [(3, 20), (5, 20), (20,)]
    assert [w.path for w in layer.weights][0].endswith("lstm_cell/kernel")
    np.testing.assert_array_equal(layer.cell.bias.value[5:10], 1.0)   # unit_forget_bias
    gru = L.GRU(4)
    gru(np.zeros((1, 2, 3), "float32"))
    assert [w.shape for w in gru.weights] == [(3, 12), (4, 12), (2, 12)]
    assert L.LSTM.from_config(layer.get_config()).get_config() == {**layer.get_config(),
                                                                   "name": layer.name}


# --- gradients: fused BPTT, generic path, masks, initial states -------------------------------
MASK = np.array([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0]], bool)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", [{"return_sequences": True}, {"go_backwards": True, "return_state": True}])
def test_gradients_with_mask(cls, config):
    layer = WithArgs(getattr(L, cls)(3, **config), mask=MASK)
    check_gradients(layer, X).assert_ok()


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_gradients_with_initial_state(cls):
    n = 2 if cls == "LSTM" else 1
    layer = WithArgs(getattr(L, cls)(3, return_sequences=True, return_state=True), MASK, n_states=n)
    check_gradients(layer, [X] + [RNG.standard_normal((3, 3)) for _ in range(n)]).assert_ok()


@pytest.mark.parametrize("cell_cls", [L.SimpleRNNCell, L.LSTMCell, L.GRUCell])
@pytest.mark.parametrize("config", [{"return_sequences": True, "go_backwards": True},
                                    {"return_state": True, "zero_output_for_mask": True}])
def test_fused_bptt_equals_generic_autograd(cell_cls, config):
    """The hand-written BPTT and autograd through the cell's ops give the same values and gradients."""
    nbnet.config.set_floatx("float64")
    fused = L.RNN(cell_cls(3), **config)
    generic = L.RNN(cell_cls(3), **config)
    fused(X), generic(X)
    generic.set_weights(fused.get_weights())
    generic._fused = False
    results = []
    for layer in (fused, generic):
        with GradientTape() as tape:
            x = Tensor(X, requires_grad=True)
            out = _as_list(layer(x, mask=MASK))
            loss = ops.sum(ops.stack([ops.sum(o * o) for o in out]))
        results.append([np.asarray(o) for o in out] + tape.gradient(loss, [x, *layer.trainable_weights]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# --- stateful RNNs ---------------------------------------------------------------------------
def test_stateful_carries_states_and_resets():
    layer = L.LSTM(3, stateful=True)
    one = layer(X[:, :3].astype("float32"))
    two = layer(X[:, 3:].astype("float32"))
    whole = L.LSTM(3)
    whole(X.astype("float32"))
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(two, whole(X.astype("float32")), atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(X[:, :3].astype("float32")), one, atol=1e-7)
    h, c = RNG.standard_normal((2, 3, 3)).astype("float32")
    layer.reset_states([h, c])
    ref = whole(X[:, :3].astype("float32"), initial_state=[h, c])
    np.testing.assert_allclose(layer(X[:, :3].astype("float32")), ref, atol=1e-6)
    assert len(layer.weights) == 3   # the carried states are not weights
    with pytest.raises(ValueError, match="batch size"):
        layer(X[:2].astype("float32"))


def test_stateful_gradients():
    """Gradients with carried-in states (truncated BPTT: nothing flows into the previous batch)."""
    nbnet.config.set_floatx("float64")
    layer = L.GRU(3, stateful=True, return_sequences=True)
    layer(X)
    start = [RNG.standard_normal((3, 3))]
    R = RNG.standard_normal((3, 6, 3))

    def loss_value():
        layer.reset_states(start)
        return float((layer(X) * R).sum())
    layer.reset_states(start)
    with GradientTape() as tape:
        loss = ops.sum(layer(Tensor(X)) * R)
    grads = tape.gradient(loss, layer.trainable_weights)
    for var, g in zip(layer.trainable_weights, grads):
        flat, num = var.value.reshape(-1), np.zeros(var.value.size)
        for i in range(0, flat.size, 5):
            keep = flat[i]
            flat[i] = keep + 1e-6
            up = loss_value()
            flat[i] = keep - 1e-6
            num[i] = (up - loss_value()) / 2e-6
            flat[i] = keep
        np.testing.assert_allclose(g.reshape(-1)[::5], num[::5], rtol=1e-6, atol=1e-9)


# --- user-written cells -----------------------------------------------------------------------
class MinimalRNNCell(L.Layer):
    """The Keras guide's example cell: h_t = tanh(x_t W + h_{t−1} U)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        h = ops.tanh(ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ConstantCell(MinimalRNNCell):
    def call(self, inputs, states, constants=None):
        h, _ = super().call(inputs, states)
        return h + constants[0], [h]


def test_user_cell_trains_and_checks():
    check_gradients(WithArgs(L.RNN(MinimalRNNCell(4), return_sequences=True), mask=MASK), X).assert_ok()
    model = nbnet.Sequential([nbnet.Input((6, 4)), L.RNN(MinimalRNNCell(8)), L.Dense(1)])
    model.compile(nbnet.optimizers.Adam(0.05), "mse")
    y = X[:, :, :1].sum(axis=1)
    first = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=60, verbose=0)
    assert model.evaluate(X, y, verbose=0) < 0.1 * first


def test_constants_reach_the_cell():
    layer = L.RNN(ConstantCell(2))
    const = np.ones((3, 2), "float32")
    out = layer(X.astype("float32"), constants=[const])
    plain = L.RNN(MinimalRNNCell(2))
    plain(X.astype("float32"))
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(out, plain(X.astype("float32")) + 1, atol=1e-6)
    with pytest.raises(ValueError, match="constants"):
        L.LSTM(2)(X.astype("float32"), constants=[const])


def test_bad_state_size_and_cells():
    with pytest.raises(ValueError, match=r"expects 2 initial state\(s\)"):
        L.LSTM(3)(X.astype("float32"), initial_state=[np.zeros((3, 3), "float32")])
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        L.GRU(3)(X.astype("float32"), initial_state=[np.zeros((3, 4), "float32")])
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(3))
    with pytest.raises(ValueError, match="ndim=3"):
        L.LSTM(3)(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="dropout"):
        L.LSTM(3, dropout=1.5)


# --- parity with Keras 3 (inference) ------------------------------------------------------------
@pytest.mark.parametrize("cls,config", [
    ("SimpleRNN", {"return_sequences": True}), ("LSTM", {"return_state": True}),
    ("GRU", {"go_backwards": True, "return_sequences": True}), ("GRU", {"reset_after": False}),
    ("LSTM", {"go_backwards": True, "return_state": True, "return_sequences": True})])
def test_keras_parity(cls, config):
    x = X.astype("float32")
    ours, theirs = getattr(L, cls)(5, **config), getattr(keras.layers, cls)(5, **config)
    ours(x)
    theirs(x)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    for a, b in zip(_as_list(ours(x)), _keras_out(theirs(x))):
        np.testing.assert_allclose(a, b, atol=1e-5)


def _pair(build):
    """The same model in nbnet and Keras, Keras's weights copied into nbnet's."""
    ours, theirs = build(nbnet, L), build(keras, keras.layers)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    return ours, theirs


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("seq", [True, False])
def test_keras_parity_masked_by_embedding(cls, seq):
    ids = np.array([[0, 0, 3, 4, 5, 0], [1, 2, 3, 4, 5, 6], [7, 0, 2, 0, 0, 0]])

    def build(lib, layers):
        return lib.Sequential([lib.Input((6,)), layers.Embedding(8, 4, mask_zero=True),
                               getattr(layers, cls)(5, return_sequences=seq),
                               layers.Dense(2)])
    ours, theirs = _pair(build)
    np.testing.assert_allclose(ours.predict(ids, verbose=0), _keras_out(theirs(ids))[0], atol=1e-5)


def test_keras_parity_bidirectional_and_time_distributed():
    ids = np.array([[0, 0, 3, 4, 5, 0], [1, 2, 3, 4, 5, 6], [7, 0, 2, 0, 0, 0]])

    def build(lib, layers):
        x = lib.Input((6,))
        h = layers.Embedding(8, 4, mask_zero=True)(x)
        h = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(h)
        h = layers.TimeDistributed(layers.Dense(2))(h)
        h2 = layers.Bidirectional(layers.GRU(3), merge_mode="ave")(h)
        return lib.Model(x, [h, h2])
    ours, theirs = _pair(build)
    for a, b in zip(ours.predict(ids, verbose=0), _keras_out(theirs(ids))):
        np.testing.assert_allclose(a, b, atol=1e-5)


# --- training gradients match PyTorch (float64) ------------------------------------------------
def _torch_twin(cls, layer, D, u):
    W, U, b = layer.get_weights()
    if cls == "GRU":   # Keras z, r, h  →  PyTorch r, z, n
        perm = np.r_[u:2 * u, 0:u, 2 * u:3 * u]
        W, U, b = W[:, perm], U[:, perm], b[:, perm]
    net = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[cls](
        D, u, batch_first=True).double()
    b_ih, b_hh = (b[0], b[1]) if cls == "GRU" else (b, np.zeros_like(b))
    with torch.no_grad():
        for name, value in [("weight_ih_l0", W.T), ("weight_hh_l0", U.T), ("bias_ih_l0", b_ih),
                            ("bias_hh_l0", b_hh)]:
            getattr(net, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return net


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_gradients_match_torch(cls):
    nbnet.config.set_floatx("float64")
    x, R = RNG.standard_normal((4, 7, 5)), RNG.standard_normal((4, 7, 3))
    layer = getattr(L, cls)(3, return_sequences=True)
    layer(x)
    net = _torch_twin(cls, layer, 5, 3)
    xt = torch.tensor(x, requires_grad=True)
    (net(xt)[0] * torch.from_numpy(R)).sum().backward()
    with GradientTape() as tape:
        xn = Tensor(x, requires_grad=True)
        loss = ops.sum(layer(xn) * R)
    dx, dW, dU, db = tape.gradient(loss, [xn, *layer.trainable_weights])
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10)
    tW, tU = net.weight_ih_l0.grad.numpy().T, net.weight_hh_l0.grad.numpy().T
    tb = np.stack([net.bias_ih_l0.grad.numpy(), net.bias_hh_l0.grad.numpy()])
    if cls == "GRU":
        inv = np.argsort(np.r_[3:6, 0:3, 6:9])
        tW, tU, tb = tW[:, inv], tU[:, inv], tb[:, inv]
    else:
        tb = tb[0]
    for ours, theirs in ((dW, tW), (dU, tU), (db, tb)):
        np.testing.assert_allclose(ours, theirs, atol=1e-10)
