"""``TitanicModel``: binary classification; the TypeScript type owns the columns and encoding."""

from __future__ import annotations

import abc

import numpy as np

from mpipe_runtime.core import ModelCore
from mpipe_runtime.errors import DataError
from mpipe_runtime.params import Param, real


class TitanicModel(ModelCore):
    """Survival classifiers. Labels are 0/1 codes (1 = the positive class, ``Survived = 1``).

    ``predict_proba`` gives P(positive class) per row as a 1-D array; ``predict`` thresholds it
    with the ``threshold`` runtime parameter, as the TypeScript model type does.
    """

    model_type = "titanic"
    runtime_param_constraints = {"threshold": Param(0.5, real(0.0, 1.0))}

    def _fit(self, x: np.ndarray, y: np.ndarray | None) -> None:
        if y is None or y.shape != (x.shape[0],):
            raise DataError(f"{self.key()} needs one 0/1 label per row.")
        labels = np.asarray(y).astype(np.int64)
        if not np.isin(labels, (0, 1)).all():
            raise DataError(f"{self.key()} labels must be 0 or 1.")
        self._fit_binary(x, labels)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return (self._predict_proba(x) >= self.runtime_params["threshold"]).astype(np.int32)

    @abc.abstractmethod
    def _fit_binary(self, x: np.ndarray, y: np.ndarray) -> None:
        """Fits on 0/1 labels."""

    @abc.abstractmethod
    def _predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(positive class) per row, 1-D."""
