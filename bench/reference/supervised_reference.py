"""Reference values from scikit-learn for the supervised kernels' tests.

Writes ``test/fixtures/sklearn/supervised.json``, read by
``src/algorithms/logistic-regression.test.ts``, ``hist-gradient-boosting.test.ts`` and
``classification-metrics.test.ts``.

Run from the repository root (scikit-learn 1.5.2, numpy, pandas):

    .venv/bin/python bench/reference/supervised_reference.py

The numeric matrix comes from ``data/titanic.csv``: Pclass, Sex -> male (0/1), Age, SibSp,
Parch, Fare, Embarked one-hot (C, Q, S; a missing port is all zeros).

* Gradient boosting uses it as is (Age keeps its NaN; JSON has ``null`` for NaN).
* Logistic regression uses Age median-imputed and every column standardised (population
  standard deviation, as StandardScaler).

Non-finite floats are written as ``null`` (JSON has no NaN/Infinity); the only such values are
NaN in ``hgb.x`` and the leading +inf threshold of every ROC curve.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "sklearn" / "supervised.json"
COLUMNS = ["Pclass", "male", "Age", "SibSp", "Parch", "Fare", "Embarked_C", "Embarked_Q", "Embarked_S"]


def clean(value):
    """Converts numpy values to JSON-safe Python values (non-finite floats become None)."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def titanic_matrix() -> tuple[np.ndarray, np.ndarray]:
    df = pd.read_csv(ROOT / "data" / "titanic.csv")
    x = pd.DataFrame(
        {
            "Pclass": df["Pclass"].astype(float),
            "male": (df["Sex"] == "male").astype(float),
            "Age": df["Age"].astype(float),
            "SibSp": df["SibSp"].astype(float),
            "Parch": df["Parch"].astype(float),
            "Fare": df["Fare"].astype(float),
            "Embarked_C": (df["Embarked"] == "C").astype(float),
            "Embarked_Q": (df["Embarked"] == "Q").astype(float),
            "Embarked_S": (df["Embarked"] == "S").astype(float),
        }
    )
    return x[COLUMNS].to_numpy(dtype=np.float64), df["Survived"].to_numpy(dtype=np.int64)


def logistic_reference(x_lr: np.ndarray, y: np.ndarray) -> dict:
    rng = np.random.default_rng(7)
    weights = rng.uniform(0.2, 3.0, size=len(y))
    cases = []
    for name, c, fit_intercept, sw in [
        ("c1", 1.0, True, None),
        ("c0.1", 0.1, True, None),
        ("c1-no-intercept", 1.0, False, None),
        ("c1-weighted", 1.0, True, weights),
    ]:
        model = LogisticRegression(C=c, fit_intercept=fit_intercept, solver="lbfgs", tol=1e-12, max_iter=100_000)
        model.fit(x_lr, y, sample_weight=sw)
        cases.append(
            {
                "name": name,
                "c": c,
                "fitIntercept": fit_intercept,
                "weighted": sw is not None,
                "coefficients": model.coef_[0],
                "intercept": float(model.intercept_[0]) if fit_intercept else 0.0,
                "probabilities": model.predict_proba(x_lr)[:, 1],
                "nIter": int(model.n_iter_[0]),
            }
        )
    return {"sampleWeight": weights, "cases": cases}


def hgb_reference(x: np.ndarray, y: np.ndarray) -> dict:
    folds = np.empty(len(y), dtype=np.int64)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    accuracies = []
    for fold, (train, test) in enumerate(cv.split(x, y)):
        folds[test] = fold
        model = HistGradientBoostingClassifier(random_state=0)  # defaults: early stopping off (n < 10000)
        model.fit(x[train], y[train])
        accuracies.append(accuracy_score(y[test], model.predict(x[test])))
    return {"folds": folds, "foldAccuracy": accuracies, "meanAccuracy": float(np.mean(accuracies))}


def metric_case(name: str, y: np.ndarray, score: np.ndarray) -> dict:
    predicted = (score >= 0.5).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    fpr, tpr, roc_thr = roc_curve(y, score)
    fpr_all, tpr_all, roc_thr_all = roc_curve(y, score, drop_intermediate=False)
    precision, recall, pr_thr = precision_recall_curve(y, score)
    case = {
        "name": name,
        "y": y,
        "score": score,
        "predicted": predicted,
        "accuracy": accuracy_score(y, predicted),
        "f1": f1_score(y, predicted, zero_division=0.0),
        "logLoss": log_loss(y, score, labels=[0, 1]),
        "rocAuc": roc_auc_score(y, score),
        "averagePrecision": average_precision_score(y, score),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "roc": {"fpr": fpr, "tpr": tpr, "thresholds": roc_thr},
        "rocAll": {"fpr": fpr_all, "tpr": tpr_all, "thresholds": roc_thr_all},
        "pr": {"precision": precision, "recall": recall, "thresholds": pr_thr},
        "calibration": {},
    }
    for n_bins in (10, 5, 3):
        prob_true, prob_pred = calibration_curve(y, score, n_bins=n_bins, strategy="uniform")
        # Counts per non-empty bin, binned exactly as calibration_curve does.
        bins = np.linspace(0.0, 1.0, n_bins + 1)
        ids = np.searchsorted(bins[1:-1], score)
        total = np.bincount(ids, minlength=len(bins))
        case["calibration"][str(n_bins)] = {
            "fractionPositive": prob_true,
            "meanPredicted": prob_pred,
            "counts": total[total != 0],
        }
    return case


def metrics_reference(y_titanic: np.ndarray, p_titanic: np.ndarray) -> list[dict]:
    rng = np.random.default_rng(11)
    cases = [metric_case("titanic-lr", y_titanic, p_titanic)]
    # Coarse scores: many ties between positives and negatives.
    cases.append(metric_case("titanic-rounded", y_titanic, np.round(p_titanic, 1)))
    # Random labels and scores on a 0.05 grid (heavy ties, exact bin edges, exact 0 and 1).
    y = rng.integers(0, 2, size=300)
    score = np.clip(np.round(rng.beta(2, 2, size=300) * 20 + (y - 0.5) * 4) / 20, 0.0, 1.0)
    cases.append(metric_case("grid-ties", y, score))
    # Small hand-made case with confidently wrong predictions (log-loss clipping).
    y = np.array([0, 0, 1, 1, 1, 0, 1, 0])
    score = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 0.3, 0.7])
    cases.append(metric_case("extremes", y, score))
    return cases


def main() -> None:
    x, y = titanic_matrix()
    age = x[:, COLUMNS.index("Age")]
    x_imputed = x.copy()
    x_imputed[np.isnan(age), COLUMNS.index("Age")] = np.nanmedian(age)
    x_lr = (x_imputed - x_imputed.mean(axis=0)) / x_imputed.std(axis=0)

    lr = logistic_reference(x_lr, y)
    p_titanic = np.asarray(lr["cases"][0]["probabilities"])
    fixture = {
        "generatedBy": "bench/reference/supervised_reference.py",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "columns": COLUMNS,
        "y": y,
        "hgb": {"x": x, **hgb_reference(x, y)},
        "logistic": {"x": x_lr, **lr},
        "metrics": metrics_reference(y, p_titanic),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # Row-major flat arrays keep the file compact and match the kernels' Matrix layout.
    fixture["hgb"]["x"] = np.asarray(fixture["hgb"]["x"]).ravel()
    fixture["logistic"]["x"] = np.asarray(fixture["logistic"]["x"]).ravel()
    fixture["rows"], fixture["cols"] = x.shape
    OUT.write_text(json.dumps(clean(fixture), separators=(",", ":")) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    print(f"HGB 5-fold accuracies: {np.round(fixture['hgb']['foldAccuracy'], 4)} mean {fixture['hgb']['meanAccuracy']:.4f}")


if __name__ == "__main__":
    main()
