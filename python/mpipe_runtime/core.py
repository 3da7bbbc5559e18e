"""``ModelCore``: the contract every Python model satisfies, as on the TypeScript side.

Life cycle: the factory builds a flavour from validated params; :meth:`ModelCore.fit` learns
from a numeric matrix (rows × features, ``NaN`` = missing) that the TypeScript model type has
already preprocessed; :meth:`ModelCore.serialize` turns the learned state into bytes (skops, see
:mod:`mpipe_runtime.serialization`) and :meth:`ModelCore.deserialize` restores it;
:meth:`ModelCore.apply_runtime_params` configures prediction. The public methods are template
methods: they check state and arguments and delegate to the protected ``_fit``, ``_predict``,
``_state`` and ``_restore`` that model types and flavours implement.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from mpipe_runtime import serialization
from mpipe_runtime.errors import DataError, NotFittedError, ParamError
from mpipe_runtime.params import Param, validate_params


class ModelCore(abc.ABC):
    """Base of every model. Model types subclass it abstractly; flavours are concrete subclasses.

    Class attributes a flavour declares (model types declare ``model_type`` and
    ``runtime_param_constraints``):

    - ``model_type``: the model type's registry key, e.g. ``"titanic"``.
    - ``flavour``: the flavour's registry key, kebab-case, e.g. ``"sklearn-random-forest"``.
    - ``description``: one line for listings.
    - ``param_constraints``: the setup params, as :class:`~mpipe_runtime.params.Param` data.
    - ``trusted_types``: fully qualified names of non-default types the flavour's skops state may
      hold (e.g. ``sklearn.tree._tree.Tree``); anything else is refused on load.
    - ``allows_missing``: whether rows may hold ``NaN`` (the TypeScript flavour's design matrix
      must then use ``impute: "none"``); otherwise ``NaN`` is refused before fitting.
    """

    model_type: ClassVar[str]
    flavour: ClassVar[str]
    description: ClassVar[str] = ""
    param_constraints: ClassVar[Mapping[str, Param]] = {}
    runtime_param_constraints: ClassVar[Mapping[str, Param]] = {}
    trusted_types: ClassVar[tuple[str, ...]] = ()
    allows_missing: ClassVar[bool] = False

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self.params: dict[str, Any] = validate_params(self.key(), self.param_constraints, params)
        self.runtime_params: dict[str, Any] = validate_params(self.key(), self.runtime_param_constraints, {})
        self._fitted = False
        self.n_features_: int | None = None

    @classmethod
    def key(cls) -> str:
        """``model_type/flavour``, for messages."""
        return f"{getattr(cls, 'model_type', '?')}/{getattr(cls, 'flavour', cls.__name__)}"

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` or :meth:`deserialize` has run."""
        return self._fitted

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> ModelCore:
        """Learns from ``x`` (float64, rows × features) and, for supervised types, labels ``y``."""
        x = self._check_matrix(x, fitting=True)
        if x.shape[0] == 0:
            raise DataError(f"{self.key()} cannot fit on 0 rows.")
        self._fit(x, y)
        self.n_features_ = x.shape[1]
        self._fitted = True
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """One prediction per row (class label or cluster index), given the runtime params."""
        self._require_fitted()
        return self._predict(self._check_matrix(x, fitting=False))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probabilities per row; the model type decides their shape. Not every flavour has them."""
        self._require_fitted()
        return self._predict_proba(self._check_matrix(x, fitting=False))

    def apply_runtime_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validates and applies prediction runtime parameters (e.g. ``threshold``)."""
        self.runtime_params = validate_params(self.key(), self.runtime_param_constraints, params)
        return self.runtime_params

    def serialize(self) -> bytes:
        """The learned state as skops bytes (no pickle: loading never runs code)."""
        self._require_fitted()
        return serialization.dumps({"n_features": self.n_features_, "state": self._state()})

    @classmethod
    def deserialize(cls, data: bytes, params: Mapping[str, Any] | None = None) -> ModelCore:
        """Restores a model written by :meth:`serialize`, trusting only ``trusted_types``."""
        model = cls(params)
        loaded = serialization.loads(data, trusted=cls.trusted_types, owner=cls.key())
        model._restore(loaded["state"])
        model.n_features_ = int(loaded["n_features"])
        model._fitted = True
        return model

    @abc.abstractmethod
    def _fit(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """Fits the estimator; ``x`` has been checked."""

    @abc.abstractmethod
    def _predict(self, x: np.ndarray) -> np.ndarray:
        """Predicts checked rows."""

    def _predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise ParamError(f"{self.key()} does not give probabilities.")

    @abc.abstractmethod
    def _state(self) -> Any:
        """What :meth:`serialize` stores: estimators, arrays and plain values skops can write."""

    @abc.abstractmethod
    def _restore(self, state: Any) -> None:
        """Takes back what :meth:`_state` returned."""

    def _require_fitted(self) -> None:
        if not self._fitted:
            raise NotFittedError(f"This {self.key()} instance is not fitted yet. Call 'fit' with training data first.")

    def _check_matrix(self, x: np.ndarray, *, fitting: bool) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim != 2:
            raise DataError(f"{self.key()} needs a 2-D matrix, got {type(x).__name__} with shape {getattr(x, 'shape', '?')}.")
        if not fitting and self.n_features_ is not None and x.shape[1] != self.n_features_:
            raise DataError(f"{self.key()} was fitted on {self.n_features_} features, got {x.shape[1]}.")
        x = np.ascontiguousarray(x, dtype=np.float64)
        if not self.allows_missing and np.isnan(x).any():
            raise DataError(f"{self.key()} does not accept missing values (NaN); impute them first.")
        return x
