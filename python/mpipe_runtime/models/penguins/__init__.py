"""The ``penguins`` model type (unsupervised clustering) and its Python flavours."""

from mpipe_runtime.models.penguins.model import PenguinsModel
from mpipe_runtime.models.penguins.sklearn_agglomerative import SklearnAgglomerative

__all__ = ["PenguinsModel", "SklearnAgglomerative"]
