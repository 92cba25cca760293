"""LinearIntentClassifier: Rasa's LogisticRegressionClassifier with a settable C and a fast, safe load.

Rasa's own component stores the model with skops, whose import alone scans every loaded module
(about 8-16 s here with TensorFlow imported): most of the model load time. This one stores only the
fitted arrays (coefficients, intercepts, class names) in a NumPy .npz file without pickle, and
rebuilds the scikit-learn estimator from them in milliseconds. C (inverse regularisation strength)
is configurable: larger C gives sharper, more decisive confidences, which matters for the
FallbackClassifier threshold.

Features are presence, not counts: a word or character n-gram seen twice weighs as one seen once. With
counts, a request naming 22 iqama numbers joined by «و» was 22 times the number and the «و» and the words
asking for a renewal hardly counted (it became an exit/re-entry extension; 75 numbers, a visa inquiry).
"""

from __future__ import annotations

from typing import Any, Dict, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix

MODEL_FILE = "linear_intent_classifier.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """Logistic-regression intent classifier over the sparse features (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "max_iter": 1000}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        """Creates the classifier with the configured C."""
        super().__init__({**self.get_default_config(), **config}, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The messages' sentence features as presence (1 where the count is above 0)."""
        features = csr_matrix(super()._create_X(messages))
        features.data = (features.data > 0).astype(features.dtype)
        return features

    def persist(self) -> None:
        """Stores the fitted arrays (no pickle)."""
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(
                directory / MODEL_FILE,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.array([str(c) for c in self.clf.classes_]),
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        """Rebuilds the fitted estimator from the stored arrays (untrained if there are none)."""
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / MODEL_FILE, allow_pickle=False) as stored:
                    component.clf.coef_ = stored["coef"]
                    component.clf.intercept_ = stored["intercept"]
                    component.clf.classes_ = stored["classes"].astype(object)
        except (ValueError, FileNotFoundError):
            return component
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component
