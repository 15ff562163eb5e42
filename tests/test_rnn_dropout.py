"""``dropout`` / ``recurrent_dropout`` of SimpleRNN, LSTM and GRU (Keras 3 semantics)."""

import numpy as np
import pytest

import nbnet
from nbnet import layers as L
from nbnet import ops
from nbnet.autograd import GradientTape, Tensor
from nbnet.testing import check_gradients

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6, 4))
MASK = np.array([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0]], bool)
RATES = {"dropout": 0.3, "recurrent_dropout": 0.2}


class WithMask(L.Layer):
    """Call ``inner`` with a fixed mask, so check_gradients can drive it."""

    def __init__(self, inner, mask=None, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.mask = inner, mask

    def call(self, inputs):
        return self.inner(inputs, mask=self.mask)


def _as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _generic(cell):
    layer = L.RNN(cell, return_sequences=True)
    layer._fused = False          # force the Python loop differentiated by autograd
    return layer


# --- gradients in training mode --------------------------------------------------------------
@pytest.mark.parametrize("cls,extra", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                       ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("config", [{"return_sequences": True}, {"go_backwards": True, "return_state": True}])
def test_fused_gradients_with_dropout(cls, extra, config):
    layer = getattr(L, cls)(3, **RATES, **extra, **config)
    check_gradients(layer, X, training=True).assert_ok()
    check_gradients(WithMask(getattr(L, cls)(3, **RATES, **extra, **config), MASK), X,
                    training=True).assert_ok()


@pytest.mark.parametrize("cell_cls", [L.SimpleRNNCell, L.LSTMCell, L.GRUCell])
def test_generic_gradients_with_dropout(cell_cls):
    check_gradients(_generic(cell_cls(3, **RATES)), X, training=True).assert_ok()
    check_gradients(WithMask(_generic(cell_cls(3, **RATES)), MASK), X, training=True).assert_ok()


@pytest.mark.parametrize("cell_cls,extra", [(L.SimpleRNNCell, {}), (L.LSTMCell, {}), (L.GRUCell, {}),
                                            (L.GRUCell, {"reset_after": False})])
def test_fused_equals_generic_for_the_same_seed(cell_cls, extra):
    nbnet.config.set_floatx("float64")
    fused = L.RNN(cell_cls(3, **RATES, **extra), return_sequences=True, return_state=True)
    generic = L.RNN(cell_cls(3, **RATES, **extra), return_sequences=True, return_state=True)
    fused(X), generic(X)
    generic.set_weights(fused.get_weights())
    generic._fused = False
    results = []
    for layer in (fused, generic):
        nbnet.utils.set_random_seed(7)
        with GradientTape() as tape:
            x = Tensor(X, requires_grad=True)
            out = _as_list(layer(x, mask=MASK, training=True))
            loss = ops.sum(ops.stack([ops.sum(o * o) for o in out]))
        results.append([np.asarray(o) for o in out] + tape.gradient(loss, [x, *layer.trainable_weights]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# --- semantics ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_inference_is_unchanged(cls):
    x = X.astype("float32")
    drop = getattr(L, cls)(3, return_sequences=True, **RATES)
    plain = getattr(L, cls)(3, return_sequences=True)
    drop(x), plain(x)
    plain.set_weights(drop.get_weights())
    np.testing.assert_array_equal(drop(x), plain(x))
    np.testing.assert_array_equal(drop(x, training=False), plain(x))
    assert not np.allclose(drop(x, training=True), plain(x))


def test_input_mask_rate_and_reuse_across_time():
    """SimpleRNN with W = I, U = 0, linear: h_t = m_x ⊙ x_t, so the output shows the input mask."""
    rate, n, t, d = 0.3, 200, 5, 50
    layer = L.SimpleRNN(d, activation="linear", return_sequences=True, dropout=rate,
                        use_bias=False, kernel_initializer="identity", recurrent_initializer="zeros")
    x = np.ones((n, t, d), "float32")
    y = layer(x, training=True)
    dropped = y == 0
    assert abs(dropped.mean() - rate) < 0.02
    assert (dropped == dropped[:, :1]).all()                          # the same mask at every step
    np.testing.assert_allclose(y[~dropped], 1 / (1 - rate), rtol=1e-6)   # inverted dropout


def test_recurrent_mask_helper_rate_and_shapes():
    cell = L.LSTMCell(40, **RATES)
    m_x, m_h = cell.dropout_masks(500, 30, np.float64)
    assert m_x.shape == (500, 30) and m_h.shape == (500, 40) and m_x.dtype == np.float64
    assert abs((m_x == 0).mean() - 0.3) < 0.02 and abs((m_h == 0).mean() - 0.2) < 0.02
    np.testing.assert_allclose(m_h[m_h > 0], 1 / 0.8)
    assert cell.dropout_masks(5, 3, np.float32, training=False) == (None, None)


def test_recurrent_dropout_acts_on_the_state():
    """SimpleRNN with x = 0 except t = 0, U = I: h_t = m_h ⊙ h_{t−1} keeps the same units dropped."""
    layer = L.SimpleRNN(50, activation="linear", return_sequences=True, recurrent_dropout=0.5,
                        use_bias=False, kernel_initializer="identity", recurrent_initializer="identity")
    x = np.zeros((40, 4, 50), "float32")
    x[:, 0] = 1.0
    y = layer(x, training=True)
    np.testing.assert_allclose(y[:, 0], 1.0)                          # h_0 = x_0 (h_{-1} = 0)
    dropped = y[:, 1] == 0
    assert 0.4 < dropped.mean() < 0.6
    np.testing.assert_allclose(y[:, 3][~dropped], 2.0 ** 3)           # kept: scaled by 1/(1−p) per step
    assert (y[:, 3][dropped] == 0).all()


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_set_random_seed_reproduces_training_calls(cls):
    layer = getattr(L, cls)(3, **RATES)
    x = X.astype("float32")
    layer(x)                                    # build first: initialization also draws
    nbnet.utils.set_random_seed(3)
    a = layer(x, training=True)
    nbnet.utils.set_random_seed(3)
    b = layer(x, training=True)
    c = layer(x, training=True)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_cell_seed_makes_masks_reproducible():
    a = L.GRUCell(4, dropout=0.5, seed=1).dropout_masks(6, 5, np.float32)[0]
    b = L.GRUCell(4, dropout=0.5, seed=1).dropout_masks(6, 5, np.float32)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{"dropout": 1.0}, {"recurrent_dropout": -0.1}, {"dropout": "x"}])
def test_bad_rates(kwargs):
    with pytest.raises(ValueError, match="LSTMCell: `(recurrent_)?dropout` must be a float in"):
        L.LSTM(3, **kwargs)


def test_config_round_trip():
    layer = L.GRU(3, dropout=0.25, recurrent_dropout=0.1, seed=5)
    config = layer.get_config()
    assert (config["dropout"], config["recurrent_dropout"], config["seed"]) == (0.25, 0.1, 5)
    clone = L.GRU.from_config(config)
    assert (clone.cell.dropout, clone.cell.recurrent_dropout, clone.cell.seed) == (0.25, 0.1, 5)
    cell = L.RNN.from_config(L.RNN(L.LSTMCell(2, dropout=0.4)).get_config()).cell
    assert cell.dropout == 0.4 and cell.recurrent_dropout == 0.0


# --- training and saving ---------------------------------------------------------------------
def test_lstm_with_dropout_fits_and_saves(tmp_path):
    nbnet.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 8, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32") / 4
    model = nbnet.Sequential([nbnet.Input((8, 3)), L.LSTM(16, dropout=0.2, recurrent_dropout=0.2),
                              L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after < 0.5 * before
    path = tmp_path / "lstm_dropout.keras"
    model.save(path)
    loaded = nbnet.models.load_model(path)
    lstm = loaded.layers[0]
    assert (lstm.cell.dropout, lstm.cell.recurrent_dropout) == (0.2, 0.2)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
