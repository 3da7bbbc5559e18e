"""The ``titanic`` model type (binary classification of ``Survived``) and its Python flavours."""

from mpipe_runtime.models.titanic.model import TitanicModel
from mpipe_runtime.models.titanic.sklearn_random_forest import SklearnRandomForest

__all__ = ["SklearnRandomForest", "TitanicModel"]
