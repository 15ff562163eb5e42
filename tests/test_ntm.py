"""NTMCell: the addressing steps against NumPy, gradients by central differences, config, a training smoke run."""

import numpy as np
import pytest

import nbnet
from nbnet import layers, ops
from nbnet.datasets.sequence_tasks import make_adding_problem, make_copy_task
from nbnet.layers.recurrent import ntm
from nbnet.layers.recurrent.ntm import NTMCell
from nbnet.testing import check_gradients


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_content_weights_are_a_softmax_of_cosine_similarity():
    rng = np.random.default_rng(0)
    memory, key, beta = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3)), np.array([[1.0], [7.0]])
    cos = np.einsum("nrw,nw->nr", memory, key) / (np.linalg.norm(memory, axis=-1)
                                                   * np.linalg.norm(key, axis=-1, keepdims=True))
    np.testing.assert_allclose(ntm.content_weights(memory, key, beta), softmax(beta * cos), atol=1e-7)


def test_shift_moves_a_weighting_circularly():
    w = np.array([[0.7, 0.2, 0.1, 0.0]])
    for k, s in ((-1, [1, 0, 0]), (0, [0, 1, 0]), (1, [0, 0, 1])):
        np.testing.assert_allclose(ntm.shift_weights(w, np.array([s], float), 1), np.roll(w, k, axis=1))
    blurred = ntm.shift_weights(w, np.array([[0.25, 0.5, 0.25]]), 1)
    np.testing.assert_allclose(blurred, 0.25 * np.roll(w, -1) + 0.5 * w + 0.25 * np.roll(w, 1))


def test_sharpening_keeps_the_order_and_concentrates():
    w = np.array([[0.5, 0.3, 0.2]])
    np.testing.assert_allclose(ntm.sharpen(w, np.array([[1.0]])), w, atol=1e-7)
    sharp = ntm.sharpen(w, np.array([[20.0]]))
    assert sharp[0, 0] > 0.99 and np.isclose(sharp.sum(), 1.0)


def test_interpolation_gate_chooses_content_or_location():
    memory = np.eye(4)[None] + 0.01
    w_prev = np.array([[0.0, 0.0, 1.0, 0.0]])
    params = {"key": np.array([[1.0, 0, 0, 0]]), "beta": np.array([[50.0]]), "shift": np.array([[0.0, 1, 0]]),
              "gamma": np.array([[1.0]])}
    by_content = ntm.address(memory, w_prev, {**params, "gate": np.array([[1.0]])}, 1)
    by_location = ntm.address(memory, w_prev, {**params, "gate": np.array([[0.0]])}, 1)
    assert np.argmax(by_content) == 0 and np.allclose(by_location, w_prev, atol=1e-6)


def test_zero_state_is_the_ntm_start_and_the_step_writes_and_reads():
    nbnet.utils.set_random_seed(0)
    cell = NTMCell(3, controller_units=8, memory_size=6, memory_width=4)
    x = np.ones((2, 4))
    y, states = cell(x, [np.zeros((2, s)) for s in cell.state_size])
    assert y.shape == (2, 3) and [s.shape[1] for s in states] == [4, 6, 6, 24]
    m0, w0 = cell._start(2, x.dtype)
    w_write = np.asarray(ops.convert_to_numpy(states[2])) + w0
    np.testing.assert_allclose(w_write.sum(axis=1), 1.0, atol=1e-6)
    memory = np.asarray(ops.convert_to_numpy(states[3])) + m0
    assert not np.allclose(memory, m0)                   # something was written
    read = np.asarray(ops.convert_to_numpy(states[0]))
    np.testing.assert_allclose(read, np.full((2, 4), ntm.MEMORY_INIT), atol=1e-12)   # read before the write


def test_gradients_through_time_match_central_differences():
    nbnet.utils.set_random_seed(0)
    cell = NTMCell(3, controller_units=5, memory_size=5, memory_width=3)
    rnn = layers.RNN(cell, return_sequences=True)
    x = np.random.default_rng(1).random((2, 4, 3))
    check_gradients(rnn, x, tol=1e-5).assert_ok()


def test_config_round_trip_and_save_load(tmp_path):
    nbnet.utils.set_random_seed(0)
    cell = NTMCell(4, controller_units=7, memory_size=9, memory_width=5, shift_range=2)
    again = NTMCell.from_config(cell.get_config())
    assert again.get_config() == cell.get_config()
    model = nbnet.Sequential([nbnet.Input((None, 3)), layers.RNN(cell, return_sequences=True)])
    x = np.random.default_rng(0).random((2, 5, 3)).astype("float32")
    model.save(tmp_path / "ntm.nbnet")
    loaded = nbnet.models.load_model(tmp_path / "ntm.nbnet")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_trace_matches_the_rnn_and_its_weightings_are_distributions():
    nbnet.utils.set_random_seed(0)
    cell = NTMCell(2, controller_units=6, memory_size=7, memory_width=3)
    rnn = layers.RNN(cell, return_sequences=True)
    x = np.random.default_rng(2).random((3, 5, 3))
    kept = ntm.trace(cell, x)
    np.testing.assert_allclose(kept["outputs"], ops.convert_to_numpy(rnn(x)), atol=1e-6)
    assert kept["memory"].shape == (3, 5, 7, 3)
    for name in ("read", "write"):
        np.testing.assert_allclose(kept[name].sum(axis=-1), 1.0, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"output_dim": 0}, "output_dim"), ({"output_dim": 2, "memory_size": 2.5}, "memory_size"),
    ({"output_dim": 2, "memory_size": 4, "shift_range": 2}, "shift_range"),
])
def test_bad_arguments_say_what_was_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NTMCell(**kwargs)


def test_copy_task_data():
    x, y = make_copy_task(4, 3, bits=5, random_state=0)
    assert x.shape == (4, 7, 6) and y.shape == (4, 7, 5)
    np.testing.assert_array_equal(y[:, 4:], x[:, :3, :5])
    np.testing.assert_array_equal(x[:, 3, 5], 1.0) and np.testing.assert_array_equal(x[:, 4:], 0.0)
    assert not y[:, :4].any()
    with pytest.raises(ValueError, match="length"):
        make_copy_task(2, 0)


def test_adding_problem_matches_chapter_9s_draws():
    rng = np.random.default_rng(5)
    values = rng.random((4, 8))
    first, second = rng.integers(0, 4, 4), rng.integers(4, 8, 4)
    x, y = make_adding_problem(4, 8, random_state=np.random.default_rng(5))
    np.testing.assert_allclose(x[..., 0], values, rtol=1e-6)
    np.testing.assert_array_equal(np.argwhere(x[..., 1])[:, 1], np.stack([first, second], 1).ravel())
    np.testing.assert_allclose(y[:, 0], values[np.arange(4), first] + values[np.arange(4), second], rtol=1e-6)


def test_a_few_hundred_steps_learn_to_copy_short_sequences():
    nbnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    rnn = layers.RNN(NTMCell(3, controller_units=16, memory_size=6, memory_width=4), return_sequences=True)
    optimizer = nbnet.optimizers.Adam(3e-3, clipnorm=10.0)
    losses = []
    for _ in range(150):
        length = int(rng.integers(1, 3))
        x, y = make_copy_task(16, length, bits=3, random_state=rng)
        with nbnet.GradientTape() as tape:
            logits = rnn(x)[:, length + 1:]
            loss = ops.mean(nbnet.losses.binary_crossentropy(y[:, length + 1:], logits, from_logits=True))
        optimizer.apply(tape.gradient(loss, rnn.trainable_weights), rnn.trainable_weights)
        losses.append(float(ops.convert_to_numpy(loss)))
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
