"""Networks trained by something other than backpropagation through a layer graph, as scikit-learn estimators.

``Hopfield`` (Hebbian storage, energy-descending recall), ``BoltzmannMachine`` (exact learning by
enumeration), ``RBM`` (scikit-learn's ``BernoulliRBM`` interface, plus CD-k, PCD, free energy and
log Z exactly or by annealed importance sampling) and ``DBN`` (a greedy stack of RBMs that becomes an
nbnet ``Sequential`` for fine-tuning); ``MarkovChain`` (transition counts over tokens, with
additive smoothing); ``KneserNeyLM`` (a character n-gram language model with interpolated
Kneser–Ney smoothing); ``EchoStateNetwork`` and ``LiquidStateMachine`` (fixed random reservoirs,
rate-based and spiking, with a ridge-regression readout) and ``SelfOrganizingMap`` (Kohonen's
competitive learning); ``RBFRegressor`` / ``RBFClassifier`` (Gaussian units at k-means centres, a
ridge readout), ``ELMRegressor`` / ``ELMClassifier`` (a fixed random hidden layer, a least-squares
readout) and ``SVC`` (kernel support vector classifier trained by SMO).  Every estimator saves with
``save(path)`` and loads with :func:`load_estimator`.
"""

from nbnet.estimators.base import BaseEstimator
from nbnet.estimators.boltzmann import BoltzmannMachine
from nbnet.estimators.dbn import DBN
from nbnet.estimators.elm import ELMClassifier, ELMRegressor
from nbnet.estimators.esn import EchoStateNetwork
from nbnet.estimators.hopfield import Hopfield
from nbnet.estimators.lsm import LiquidStateMachine
from nbnet.estimators.markov import MarkovChain
from nbnet.estimators.ngram import KneserNeyLM
from nbnet.estimators.persistence import load_estimator
from nbnet.estimators.rbf import RBFClassifier, RBFRegressor
from nbnet.estimators.rbm import RBM
from nbnet.estimators.som import SelfOrganizingMap
from nbnet.estimators.svm import SVC

__all__ = ["BaseEstimator", "BoltzmannMachine", "DBN", "EchoStateNetwork", "Hopfield", "KneserNeyLM",
           "LiquidStateMachine", "MarkovChain", "RBM", "SelfOrganizingMap", "load_estimator",
           "ELMClassifier", "ELMRegressor", "RBFClassifier", "RBFRegressor", "SVC"]
