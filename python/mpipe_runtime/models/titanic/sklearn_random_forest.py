"""Flavour ``titanic/sklearn-random-forest``: scikit-learn's RandomForestClassifier."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from mpipe_runtime.errors import StateError
from mpipe_runtime.models.titanic.model import TitanicModel
from mpipe_runtime.params import Param, any_of, integer, one_of, real


class SklearnRandomForest(TitanicModel):
    """A random forest; missing values (NaN) are routed by the trees (scikit-learn ≥ 1.4)."""

    flavour = "sklearn-random-forest"
    description = "scikit-learn RandomForestClassifier"
    param_constraints = {
        "nEstimators": Param(200, integer(1, 5000)),
        "maxDepth": Param(None, integer(1, None, none=True)),
        "minSamplesLeaf": Param(1, integer(1, None)),
        "minSamplesSplit": Param(2, integer(2, None)),
        "maxFeatures": Param("sqrt", any_of(one_of("sqrt", "log2", None), real(0.0, 1.0, low_open=True))),
        "criterion": Param("gini", one_of("gini", "entropy", "log_loss")),
        "seed": Param(0, integer()),
    }
    # A fitted forest holds Tree objects, which skops does not trust by default.
    trusted_types = ("sklearn.tree._tree.Tree",)
    allows_missing = True

    def _fit_binary(self, x: np.ndarray, y: np.ndarray) -> None:
        p = self.params
        self.forest = RandomForestClassifier(
            n_estimators=p["nEstimators"],
            max_depth=p["maxDepth"],
            min_samples_leaf=p["minSamplesLeaf"],
            min_samples_split=p["minSamplesSplit"],
            max_features=p["maxFeatures"],
            criterion=p["criterion"],
            random_state=p["seed"] % 2**32,
            n_jobs=1,
        ).fit(x, y)

    def _predict_proba(self, x: np.ndarray) -> np.ndarray:
        proba = self.forest.predict_proba(x)
        classes = list(self.forest.classes_)
        # A training set with one class has no column for the other.
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(x.shape[0])

    def _state(self) -> RandomForestClassifier:
        return self.forest

    def _restore(self, state: RandomForestClassifier) -> None:
        if not isinstance(state, RandomForestClassifier):
            raise StateError(f"{self.key()} state is a {type(state).__name__}, not a RandomForestClassifier.")
        self.forest = state
