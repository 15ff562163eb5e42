"""Working with RNNs (guides/working_with_rnns.py): return_state and initial_state in an encoder-decoder,
cross-batch statefulness with reset_states, a layer's states reused as another's initial state, and
RNN(LSTMCell) computing what LSTM computes (weights moved with set_weights)."""
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

encoder_input = layers.Input(shape=(None,))
encoder_embedded = layers.Embedding(input_dim=100, output_dim=8)(encoder_input)
output, state_h, state_c = layers.LSTM(6, return_state=True, name="encoder")(encoder_embedded)
decoder_input = layers.Input(shape=(None,))
decoder_embedded = layers.Embedding(input_dim=200, output_dim=8)(decoder_input)
decoder_output = layers.LSTM(6, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
seq2seq = keras.Model([encoder_input, decoder_input], layers.Dense(10)(decoder_output))
seq2seq_out = seq2seq.predict([rng.integers(0, 100, (4, 7)), rng.integers(0, 200, (4, 5))], verbose=0)

paragraphs = [rng.random((4, 3, 5)).astype("float32") for _ in range(3)]
stateful = layers.LSTM(6, stateful=True)
first = keras.ops.convert_to_numpy(stateful(paragraphs[0]))
carried = keras.ops.convert_to_numpy(stateful(paragraphs[0]))          # starts from the state the first call left
stateful.reset_states()
after_reset = keras.ops.convert_to_numpy(stateful(paragraphs[0]))
existing_state = stateful.states
fresh = layers.LSTM(6)
continued = keras.ops.convert_to_numpy(fresh(paragraphs[1], initial_state=existing_state))


def build_model(cell_based):
    rnn = layers.RNN(layers.LSTMCell(6)) if cell_based else layers.LSTM(6)
    return keras.Sequential([keras.Input((None, 5)), rnn, layers.BatchNormalization(), layers.Dense(3)])


lstm_model, cell_model = build_model(False), build_model(True)
cell_model.set_weights(lstm_model.get_weights())
x = rng.random((8, 4, 5)).astype("float32")
same_as_lstm = float(np.abs(lstm_model.predict(x, verbose=0) - cell_model.predict(x, verbose=0)).max())

TOL = 1e-5
RESULT = {"seq2seq_params": seq2seq.count_params(), "seq2seq_shape": seq2seq_out.shape,
          "state_shapes": [tuple(s.shape) for s in existing_state], "continued_shape": continued.shape,
          "state_carried_over": bool(np.abs(first - carried).max() > 1e-6),
          "reset_restarts": bool(np.abs(first - after_reset).max() < 1e-6),
          "cell_params": cell_model.count_params(), "same_as_lstm": same_as_lstm < 1e-5}
