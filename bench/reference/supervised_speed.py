"""scikit-learn fit/predict timings on the synthetic Titanic-like data of
``bench/kernels-supervised.ts`` (same recipe, numpy's generator instead of SeededRandom, so the
values differ but the distribution is the same).

Run from the repository root:

    OMP_NUM_THREADS=1 .venv/bin/python bench/reference/supervised_speed.py [rows] [seeds]
    OMP_NUM_THREADS=2 .venv/bin/python bench/reference/supervised_speed.py [rows] [seeds]

``seeds`` (5 unless given) is how many validation-split seeds (``random_state``) the default
gradient-boosting fit runs with: where early stopping ends depends on the split.

HistGradientBoostingClassifier uses OpenMP threads; logistic regression (lbfgs) is single
threaded apart from BLAS. ``threadpoolctl`` limits both to OMP_NUM_THREADS when it is set.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits


def synthetic_titanic(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = rng.random(rows)
    pclass = np.where(u < 0.24, 1, np.where(u < 0.45, 2, 3)).astype(float)
    male = (rng.random(rows) < 0.65).astype(float)
    age = np.maximum(0.4, 30 + 14 * rng.standard_normal(rows) - 4 * (pclass - 2))
    age_missing = rng.random(rows) < 0.2
    sibsp = np.minimum(8, np.floor(-np.log(1 - rng.random(rows)) * 0.5))
    parch = np.minimum(6, np.floor(-np.log(1 - rng.random(rows)) * 0.4))
    fare = np.exp(2.5 + 0.9 * rng.standard_normal(rows) + 0.8 * (3 - pclass))
    e = rng.random(rows)
    embarked = np.where(e < 0.19, 0, np.where(e < 0.28, 1, 2))
    x = np.column_stack(
        [
            pclass,
            male,
            np.where(age_missing, np.nan, age),
            sibsp,
            parch,
            fare,
            (embarked == 0).astype(float),
            (embarked == 1).astype(float),
            (embarked == 2).astype(float),
            rng.standard_normal(rows),
            rng.standard_normal(rows),
            rng.random(rows),
        ]
    )
    age_term = np.where(age_missing, -0.4, np.where(age < 12, 1.3, -0.02 * (age - 30)))
    z = (
        1.2
        - 2.5 * male
        - 0.9 * (pclass - 2)
        + np.where((male == 0) & (pclass == 3), -1.2, 0)
        + age_term
        - 0.3 * np.maximum(0, sibsp - 2)
        + 0.15 * np.log1p(fare)
        + np.where(embarked == 0, 0.3, 0)
    )
    y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return x, y


def impute_and_standardise(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    for j in range(out.shape[1]):
        col = out[:, j]
        col[np.isnan(col)] = np.nanmedian(col)
    return (out - out.mean(axis=0)) / out.std(axis=0)


def timed(fn):
    """Wall-clock seconds of fn (process CPU seconds are printed too, summed over threads)."""
    global last_cpu
    c0 = time.process_time()
    t0 = time.perf_counter()
    value = fn()
    last_cpu = time.process_time() - c0
    return value, time.perf_counter() - t0


last_cpu = 0.0


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))
    x, y = synthetic_titanic(rows, 42)
    x_lr = impute_and_standardise(x)
    print(f"synthetic Titanic-like data: {rows} x {x.shape[1]}, positive rate {y.mean():.3f}, threads {threads}")
    with threadpool_limits(limits=threads):
        for _ in range(3):
            lr, fit_s = timed(lambda: LogisticRegression(C=1.0).fit(x_lr, y))
            fit_cpu = last_cpu
            p, pred_s = timed(lambda: lr.predict_proba(x_lr)[:, 1])
            print(
                f"logistic regression (lbfgs)  fit {fit_s:.3f} s (cpu {fit_cpu:.3f} s, {lr.n_iter_[0]} iterations)"
                f"  predict {rows / pred_s / 1e6:.1f} M rows/s  train accuracy {np.mean((p >= 0.5) == y):.4f}"
            )
        # Defaults (early stopping on: > 10 000 rows) with several validation-split seeds, then
        # a fixed amount of work (100 trees, no early stopping), as bench/kernels-supervised.ts
        # does.
        defaults = []
        for seed in range(seeds):
            defaults.append(bench_fit(x, y, f"defaults, random_state {seed}", {"random_state": seed}))
        fit_s, fit_cpu, iterations = (float(np.mean(column)) for column in zip(*defaults))
        print(
            f"hist gradient boosting [defaults, mean of random_state 0-{seeds - 1}]  fit {fit_s:.2f} s"
            f" (cpu {fit_cpu:.2f} s, {iterations:.1f} iterations)"
        )
        bench_fit(x, y, "100 trees, no early stopping", {"random_state": 0, "early_stopping": False, "max_iter": 100})


def bench_fit(x: np.ndarray, y: np.ndarray, label: str, params: dict) -> tuple[float, float, int]:
    """Fits, predicts and prints one gradient-boosting line; returns (fit s, fit cpu s, iterations)."""
    rows = x.shape[0]
    hgb, fit_s = timed(lambda: HistGradientBoostingClassifier(**params).fit(x, y))
    fit_cpu = last_cpu
    p, pred_s = timed(lambda: hgb.predict_proba(x)[:, 1])
    pred_cpu = last_cpu
    nodes = sum(pred[0].nodes.shape[0] for pred in hgb._predictors)
    print(
        f"hist gradient boosting [{label}]  fit {fit_s:.2f} s (cpu {fit_cpu:.2f} s, {hgb.n_iter_} iterations,"
        f" {nodes} nodes)  predict {rows / pred_s / 1e6:.2f} M rows/s (cpu {rows / pred_cpu / 1e6:.2f})"
        f"  train accuracy {np.mean((p >= 0.5) == y):.4f}"
    )
    return fit_s, fit_cpu, hgb.n_iter_

if __name__ == "__main__":
    main()
