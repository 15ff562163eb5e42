"""fit / evaluate / predict on a PyDataset or a Python generator, as Keras 3 accepts them."""

import keras
import numpy as np
import pytest

import nbnet

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [0.5]], dtype="float32") > 0).astype("float32")


def batches_class(K):
    class Batches(K.utils.PyDataset):
        def __init__(self, x, y, batch_size=16, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size, self.epochs_ended = x, y, batch_size, 0

        def __len__(self):
            return -(-len(self.x) // self.batch_size)

        def __getitem__(self, i):
            s = slice(i * self.batch_size, (i + 1) * self.batch_size)
            return self.x[s], self.y[s]

        def on_epoch_end(self):
            self.epochs_ended += 1
    return Batches


def twin_models():
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(1, activation="sigmoid")])
    ours = nbnet.Sequential([nbnet.Input((3,)), nbnet.layers.Dense(4, activation="tanh"),
                             nbnet.layers.Dense(1, activation="sigmoid")])
    ours.set_weights(theirs.get_weights())
    for m, K in ((ours, nbnet), (theirs, keras)):
        m.compile(K.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return ours, theirs


def test_fit_on_a_pydataset_matches_keras():
    ours, theirs = twin_models()
    histories, datasets = [], []
    for model, K in ((ours, nbnet), (theirs, keras)):
        Batches = batches_class(K)
        train, val = Batches(X[:48], Y[:48]), Batches(X[48:], Y[48:])
        histories.append(model.fit(train, epochs=3, validation_data=val, shuffle=False, verbose=0).history)
        datasets.append(train)
    assert set(histories[0]) == set(histories[1]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for k in histories[1]:
        np.testing.assert_allclose(histories[0][k], histories[1][k], rtol=1e-4, atol=1e-6, err_msg=k)
    assert datasets[0].epochs_ended == 3   # once per epoch (Keras 3.x calls it once more)


def test_fit_shuffles_a_pydatasets_batch_order():
    seen = []

    class Recording(batches_class(nbnet)):
        def __getitem__(self, i):
            seen.append(i)
            return super().__getitem__(i)
    ours, _ = twin_models()
    nbnet.utils.set_random_seed(0)
    ours.fit(Recording(X, Y, batch_size=6), epochs=2, verbose=0)
    assert sorted(seen[:10]) == sorted(seen[10:]) == list(range(10)) and seen[:10] != seen[10:]


def test_fit_on_an_endless_generator_with_steps_per_epoch():
    def endless(batch_size=12):
        while True:
            for i in range(0, 60, batch_size):
                yield X[i:i + batch_size], Y[i:i + batch_size]
    ours, theirs = twin_models()
    h_ours = ours.fit(endless(), steps_per_epoch=5, epochs=2, verbose=0).history
    h_theirs = theirs.fit(endless(), steps_per_epoch=5, epochs=2, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-4)


def test_a_finite_generator_runs_out_and_training_stops_with_a_warning():
    ours, _ = twin_models()
    once = ((X[i:i + 20], Y[i:i + 20]) for i in range(0, 60, 20))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = ours.fit(once, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1


def test_evaluate_and_predict_accept_datasets_and_generators():
    ours, _ = twin_models()
    Batches = batches_class(nbnet)
    by_arrays = ours.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True)
    by_dataset = ours.evaluate(Batches(X, Y), verbose=0, return_dict=True)
    assert by_dataset == pytest.approx(by_arrays, rel=1e-6)
    gen = (X[i:i + 16] for i in range(0, 60, 16))
    np.testing.assert_allclose(ours.predict(gen, verbose=0), ours.predict(X, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(ours.predict(Batches(X, Y), steps=2, verbose=0), ours.predict(X[:32], verbose=0),
                               rtol=1e-6)


def test_pydataset_yields_its_own_targets():
    ours, _ = twin_models()
    with pytest.raises(ValueError, match="do not pass y or sample_weight"):
        ours.fit(batches_class(nbnet)(X, Y), Y, verbose=0)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        ours.fit(batches_class(nbnet)(X, Y), validation_split=0.2, verbose=0)
    with pytest.raises(NotImplementedError, match="must implement __len__"):
        len(nbnet.utils.PyDataset())
