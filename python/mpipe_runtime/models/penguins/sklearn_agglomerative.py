"""Flavour ``penguins/sklearn-agglomerative``: hierarchical clustering, new rows by nearest centre."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.neighbors import NearestCentroid

from mpipe_runtime.errors import DataError, StateError
from mpipe_runtime.models.penguins.model import PenguinsModel
from mpipe_runtime.params import Param, integer, one_of


class SklearnAgglomerative(PenguinsModel):
    """scikit-learn's AgglomerativeClustering on the training rows.

    Agglomerative clustering cannot place rows it was not fitted on, so the flavour keeps the
    centre of each training cluster (a NearestCentroid classifier on the cluster labels) and
    assigns every row, training or new, to its nearest centre. Ward linkage merges by variance,
    which is what makes centres a faithful summary of its clusters.
    """

    flavour = "sklearn-agglomerative"
    description = "scikit-learn AgglomerativeClustering; new rows go to the nearest cluster centre"
    param_constraints = {
        "k": Param(3, integer(2, 100)),
        "linkage": Param("ward", one_of("ward", "average", "complete", "single")),
    }

    def _fit_clusters(self, x: np.ndarray) -> None:
        k = self.params["k"]
        if x.shape[0] < k:
            raise DataError(f"{self.key()} needs at least k={k} rows, got {x.shape[0]}.")
        clusterer = AgglomerativeClustering(n_clusters=k, linkage=self.params["linkage"]).fit(x)
        self.assign = NearestCentroid().fit(x, clusterer.labels_)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return self.assign.predict(x).astype(np.int32)

    def _state(self) -> NearestCentroid:
        return self.assign

    def _restore(self, state: NearestCentroid) -> None:
        if not isinstance(state, NearestCentroid):
            raise StateError(f"{self.key()} state is a {type(state).__name__}, not a NearestCentroid.")
        self.assign = state
