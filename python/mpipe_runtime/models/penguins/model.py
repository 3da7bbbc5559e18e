"""``PenguinsModel``: clustering; the TypeScript type owns the columns and standardisation."""

from __future__ import annotations

import abc

import numpy as np

from mpipe_runtime.core import ModelCore


class PenguinsModel(ModelCore):
    """Penguin clusterings: ``predict`` gives a cluster index (int32) per row.

    Flavours with memberships override ``_predict_proba`` to return rows × clusters.
    """

    model_type = "penguins"

    def _fit(self, x: np.ndarray, y: np.ndarray | None) -> None:
        # Unsupervised: labels, if any were sent, are ignored on purpose.
        self._fit_clusters(x)

    @abc.abstractmethod
    def _fit_clusters(self, x: np.ndarray) -> None:
        """Fits the clusterer on standardised rows."""
