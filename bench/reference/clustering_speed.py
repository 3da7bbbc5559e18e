"""scikit-learn timings for the clustering kernels' benchmark (``bench/kernels-clustering.ts``).

Same recipe (three anisotropic blobs, 1e6 rows x 4 columns by default; the noise comes from numpy,
so values differ but the distribution is the same) and the same operations: KMeans(n_clusters=3,
n_init=10) fit / predict / transform and GaussianMixture(n_components=3) "full" and "diag" fit /
predict / predict_proba / score_samples. Printed: best and median wall-clock times over the
repeats, the best process CPU time (all threads) and the rows/s of the best time.

Run from the repository root:

    .venv/bin/python bench/reference/clustering_speed.py [rows] [repeats]

scikit-learn uses every core for KMeans (OpenMP) and BLAS; to compare with the single-threaded
TypeScript kernels, also run with ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info

WEIGHTS = [0.5, 0.3, 0.2]
MEANS = np.array([[0, 0, 0, 0], [4, 4, 0, 0], [0, 4, 4, 4]], dtype=float)
MIXING = np.array(
    [
        [[1.0, 0.3, 0.0, 0.0], [0.0, 1.0, 0.2, 0.0], [0.0, 0.0, 0.8, 0.4], [0.0, 0.0, 0.0, 1.2]],
        [[1.4, 0.0, 0.0, 0.5], [0.0, 0.7, 0.0, 0.0], [0.3, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.9]],
        [[0.8, 0.0, 0.0, 0.0], [0.4, 1.1, 0.0, 0.0], [0.0, 0.0, 1.3, 0.0], [0.0, 0.3, 0.0, 0.6]],
    ]
)


def synthetic_blobs(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    members = rng.choice(3, size=rows, p=WEIGHTS)
    z = rng.standard_normal((rows, 4))
    x = MEANS[members] + np.einsum("nt,ntj->nj", z, MIXING[members])
    return x, members


def timed(label: str, repeats: int, rows: int, run):
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        cpu = time.process_time()
        start = time.perf_counter()
        result = run()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    best, median = walls[0], walls[len(walls) // 2]
    print(
        f"{label:<34} best {best:8.1f} ms   median {median:8.1f} ms   cpu {min(cpus):8.1f} ms   "
        f"{rows / best / 1e3:6.1f} M rows/s"
    )
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    x, members = synthetic_blobs(rows, 2024)
    threads = sorted({(p["internal_api"], p["num_threads"]) for p in threadpool_info()})
    print(
        f"scikit-learn {sklearn.__version__}: {rows} rows x 4 columns, {repeats} repeats, "
        f"thread pools {threads}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )

    kmeans = timed(
        "k-means fit (k=3, n_init=10)", repeats, rows, lambda: KMeans(n_clusters=3, n_init=10, random_state=0).fit(x)
    )
    labels = timed("k-means predict", repeats, rows, lambda: kmeans.predict(x))
    timed("k-means transform (distances)", repeats, rows, lambda: kmeans.transform(x))
    print(
        f"  inertia {kmeans.inertia_:.1f}, iterations {kmeans.n_iter_}, "
        f"ARI vs truth {adjusted_rand_score(members, labels):.4f}"
    )

    for covariance_type in ("full", "diag"):
        gmm = timed(
            f"GMM fit (k=3, {covariance_type})",
            repeats,
            rows,
            lambda: GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=0).fit(x),
        )
        predicted = timed(f"GMM predict ({covariance_type})", repeats, rows, lambda: gmm.predict(x))
        timed(f"GMM predict_proba ({covariance_type})", repeats, rows, lambda: gmm.predict_proba(x))
        timed(f"GMM score_samples ({covariance_type})", repeats, rows, lambda: gmm.score_samples(x))
        print(
            f"  lower bound {gmm.lower_bound_:.6f}, iterations {gmm.n_iter_}, converged {gmm.converged_}, "
            f"ARI vs truth {adjusted_rand_score(members, predicted):.4f}"
        )


if __name__ == "__main__":
    main()
