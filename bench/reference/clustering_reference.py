"""Reference values from scikit-learn for the clustering kernels' tests.

Writes ``test/fixtures/sklearn/clustering.json``, read by ``src/algorithms/kmeans.test.ts``,
``gaussian-mixture.test.ts`` and ``clustering-metrics.test.ts``.

Run from the repository root (scikit-learn 1.5.2, numpy, pandas):

    .venv/bin/python bench/reference/clustering_reference.py

Contents:

* ``ari``: fixed label vectors (any integers, -1 included) and ``adjusted_rand_score``.
* ``silhouette``: small fixed matrices with labels (singletons, duplicate rows, arbitrary label
  values) and ``silhouette_score`` (Euclidean, all rows).
* ``penguins``: ``data/penguins.csv`` without the 2 rows whose four measurements
  (bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g) are ``NA``, standardised like
  StandardScaler (population standard deviation). Holds the species codes, the silhouette of the
  species labels, KMeans(k=3, n_init=10) over ten seeds (inertia, ARI vs species, iterations, the
  best run's centres and labels), GaussianMixture(k=3) over ten seeds for "full" and "diag"
  (ARI, lower bound, iterations), the distinct optima reached with tol=1e-10 (``optima``), and
  one fitted mixture of each type with its parameters, ``score_samples``, ``predict_proba`` and
  ``predict`` on every row.
* ``synthetic``: two seeded anisotropic 3-blob matrices, 2 columns (exercises the zero-padded narrow
  kernels) and 6 columns (the generic-width kernels), each with KMeans(k=3, n_init=10) inertia and
  labels, and for "full" and "diag" mixtures the lower bounds over seeds plus one fitted mixture's
  parameters, ``score_samples`` and ``predict_proba``.

The ARIs over seeds are printed as well. With scikit-learn 1.5.2: k-means 0.7928 for every seed;
full mixture 0.9603 for 8 of the 10 seeds and 0.5144 for seeds 2 and 5 (a poorer optimum, lower
bound -3.476 vs -3.358); diagonal mixture 0.51-0.63.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "sklearn" / "clustering.json"
FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
SEEDS = list(range(10))


def clean(value):
    """Converts numpy values to JSON-safe Python values."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def ari_cases() -> list[dict]:
    rng = np.random.default_rng(20240601)
    cases = [
        {"name": "identical up to renaming", "a": [0, 0, 1, 1, 2, 2], "b": [5, 5, 3, 3, 9, 9]},
        {"name": "textbook example", "a": [0, 0, 1, 1], "b": [0, 0, 1, 2]},
        {"name": "independent split", "a": [0, 0, 0, 0, 1, 1, 1, 1], "b": [0, 1, 0, 1, 0, 1, 0, 1]},
        {"name": "all in one vs all apart", "a": [0, 0, 0, 0], "b": [0, 1, 2, 3]},
        {"name": "both constant", "a": [1, 1, 1], "b": [4, 4, 4]},
        {"name": "minus one is a label", "a": [-1, -1, 0, 0, 1, 1, -1], "b": [2, 2, 0, 0, 1, 2, 1]},
        {"name": "large label values", "a": [1000000, 7, 7, 1000000, 3, 3], "b": [0, 1, 1, 0, 2, 1]},
        {"name": "empty", "a": [], "b": []},
    ]
    for n, ka, kb in [(50, 3, 4), (200, 5, 5), (1000, 2, 7), (5000, 10, 3)]:
        a = rng.integers(0, ka, n)
        # b agrees with a on about 60 % of rows, so the index is clearly between 0 and 1.
        b = np.where(rng.random(n) < 0.6, a % kb, rng.integers(0, kb, n))
        cases.append({"name": f"random n={n}", "a": a, "b": b})
    for case in cases:
        case["expected"] = adjusted_rand_score(case["a"], case["b"])
    return cases


def silhouette_cases() -> list[dict]:
    rng = np.random.default_rng(7)
    cases = []
    blobs = np.concatenate([rng.normal(c, 1.0, size=(15, 3)) for c in (0.0, 2.5, 5.0)])
    blob_labels = np.repeat([0, 1, 2], 15)
    cases.append({"name": "three blobs", "x": blobs, "labels": blob_labels})
    noisy = blob_labels.copy()
    noisy[rng.choice(45, 12, replace=False)] = rng.integers(0, 3, 12)
    cases.append({"name": "three blobs, noisy labels", "x": blobs, "labels": noisy})
    x2 = rng.normal(size=(12, 2))
    cases.append({"name": "singleton cluster", "x": x2, "labels": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]})
    cases.append({"name": "arbitrary label values", "x": x2, "labels": [-1, 7, 7, -1, 100, 100, 7, -1, 100, 7, -1, 100]})
    dup = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [3.0, 0.5]])
    cases.append({"name": "duplicate rows", "x": dup, "labels": [0, 0, 1, 1, 1, 2]})
    for case in cases:
        case["expected"] = silhouette_score(np.asarray(case["x"]), np.asarray(case["labels"]))
    return cases


def mixture_reference(x: np.ndarray, covariance_type: str) -> dict:
    runs = []
    for seed in SEEDS:
        model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=seed).fit(x)
        runs.append({"seed": seed, "lowerBound": model.lower_bound_, "iterations": model.n_iter_})
    seed = max(runs, key=lambda r: r["lowerBound"])["seed"]
    model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=seed).fit(x)
    return {
        "runs": runs,
        "model": {
            "seed": seed,
            "weights": model.weights_,
            "means": model.means_.ravel(),
            "covariances": model.covariances_.ravel(),
            "precisionCholesky": model.precisions_cholesky_.ravel(),
            "lowerBound": model.lower_bound_,
        },
        "scoreSamples": model.score_samples(x),
        "predictProba": model.predict_proba(x).ravel(),
        "predict": model.predict(x),
    }


def synthetic(cols: int, rows: int, seed: int) -> dict:
    """Three anisotropic blobs (random linear maps of standard normals), rows in random order."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(3, cols))
    maps = rng.normal(0, 1, size=(3, cols, cols))
    members = rng.integers(0, 3, rows)
    x = np.stack([centres[c] + rng.normal(size=cols) @ maps[c] for c in members])
    kmeans = KMeans(n_clusters=3, n_init=10, random_state=0).fit(x)
    return {
        "x": x,
        "members": members,
        "kmeans": {"inertia": kmeans.inertia_, "labels": kmeans.labels_},
        "gaussianMixture": {t: mixture_reference(x, t) for t in ("full", "diag")},
    }


def penguins() -> dict:
    frame = pd.read_csv(ROOT / "data" / "penguins.csv", na_values=["NA"], keep_default_na=False)
    frame = frame.dropna(subset=FEATURES).reset_index(drop=True)
    assert len(frame) == 342, len(frame)
    x = StandardScaler().fit_transform(frame[FEATURES].to_numpy(dtype=float))
    species = frame["species"].map({name: i for i, name in enumerate(SPECIES)}).to_numpy()

    kmeans_runs = []
    best = None
    for seed in SEEDS:
        model = KMeans(n_clusters=3, n_init=10, random_state=seed).fit(x)
        run = {
            "seed": seed,
            "inertia": model.inertia_,
            "ari": adjusted_rand_score(species, model.labels_),
            "iterations": model.n_iter_,
        }
        kmeans_runs.append(run)
        if best is None or model.inertia_ < best.inertia_:
            best = model
    kmeans = {
        "runs": kmeans_runs,
        "bestInertia": best.inertia_,
        "bestCenters": best.cluster_centers_.ravel(),
        "bestLabels": best.labels_,
    }

    mixtures = {}
    for covariance_type in ("full", "diag"):
        runs = []
        for seed in SEEDS:
            model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=seed).fit(x)
            runs.append(
                {
                    "seed": seed,
                    "ari": adjusted_rand_score(species, model.predict(x)),
                    "lowerBound": model.lower_bound_,
                    "iterations": model.n_iter_,
                    "converged": model.converged_,
                }
            )
        # The reference model for the density checks: the seed with the best lower bound.
        seed = max(runs, key=lambda r: r["lowerBound"])["seed"]
        model = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=seed).fit(x)
        # Fully converged runs (tol 1e-10): the local optima themselves, whatever the stopping path.
        optima = sorted(
            {
                round(
                    GaussianMixture(
                        n_components=3, covariance_type=covariance_type, random_state=seed, tol=1e-10, max_iter=10_000
                    )
                    .fit(x)
                    .lower_bound_,
                    9,
                )
                for seed in SEEDS
            }
        )
        mixtures[covariance_type] = {
            "runs": runs,
            "optima": optima,
            "model": {
                "seed": seed,
                "weights": model.weights_,
                "means": model.means_.ravel(),
                "covariances": model.covariances_.ravel(),
                "precisionCholesky": model.precisions_cholesky_.ravel(),
                "lowerBound": model.lower_bound_,
            },
            "scoreSamples": model.score_samples(x),
            "predictProba": model.predict_proba(x).ravel(),
            "predict": model.predict(x),
        }

    return {
        "rows": len(frame),
        "features": FEATURES,
        "species": species,
        "speciesNames": SPECIES,
        "silhouetteSpecies": silhouette_score(x, species),
        "kmeans": kmeans,
        "gaussianMixture": mixtures,
    }


def main() -> None:
    data = {
        "generator": "bench/reference/clustering_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "ari": ari_cases(),
        "silhouette": silhouette_cases(),
        "penguins": penguins(),
        "synthetic": {"narrow": synthetic(2, 240, 11), "wide": synthetic(6, 300, 12)},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(clean(data), indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    p = data["penguins"]
    print("k-means (n_init=10) ARI by seed:", [round(r["ari"], 4) for r in p["kmeans"]["runs"]])
    print("k-means best inertia:", p["kmeans"]["bestInertia"])
    for covariance_type, mixture in p["gaussianMixture"].items():
        print(
            f"GMM {covariance_type} ARI by seed:",
            [round(r["ari"], 4) for r in mixture["runs"]],
            "lower bounds:",
            [round(float(r["lowerBound"]), 4) for r in mixture["runs"]],
        )


if __name__ == "__main__":
    main()
