"""scikit-learn's quality on the bundled data with the engine's folds (see bench/quality/run.ts).

Usage: .venv/bin/python bench/quality/sklearn_quality.py bench/out/quality/folds.json
Prints JSON: {"versions": {...}, "metrics": {setup: {metric: value}}}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score, log_loss, roc_auc_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

ROOT = Path(__file__).resolve().parents[2]
NUMERIC = ["Age", "SibSp", "Parch", "Fare"]
CATEGORICAL = ["Pclass", "Sex", "Embarked"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def titanic(folds: np.ndarray) -> dict[str, dict[str, float]]:
    df = pd.read_csv(ROOT / "data" / "titanic.csv", keep_default_na=False, na_values=[""])
    df[CATEGORICAL] = df[CATEGORICAL].astype(str).replace("nan", np.nan)
    x, y = df[NUMERIC + CATEGORICAL], df["Survived"].to_numpy()
    logreg = lambda: make_pipeline(  # noqa: E731
        ColumnTransformer(
            [
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
                ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ]
        ),
        LogisticRegression(C=1.0, max_iter=1000),
    )
    gbdt = lambda: make_pipeline(  # noqa: E731
        ColumnTransformer(
            [
                ("num", "passthrough", NUMERIC),
                ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), CATEGORICAL),
            ]
        ),
        HistGradientBoostingClassifier(random_state=42),
    )
    out = {}
    for name, make in [("titanic-logreg", logreg), ("titanic-gbdt", gbdt)]:
        p = np.zeros(len(y))
        for k in range(folds.max() + 1):
            train, test = folds != k, folds == k
            p[test] = make().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
        predicted = (p >= 0.5).astype(int)
        out[name] = {
            "accuracy": accuracy_score(y, predicted),
            "f1": f1_score(y, predicted),
            "log_loss": log_loss(y, p),
            "roc_auc": roc_auc_score(y, p),
        }
    return out


def penguins(folds: np.ndarray) -> dict[str, dict[str, float]]:
    df = pd.read_csv(ROOT / "data" / "penguins.csv", na_values=["NA"], keep_default_na=False)
    species = df["species"].astype("category").cat.codes.to_numpy()
    models = {
        "penguins-kmeans": lambda: KMeans(n_clusters=3, n_init=10, random_state=42),
        "penguins-gmm": lambda: GaussianMixture(n_components=3, covariance_type="full", random_state=42),
    }
    out = {}
    for name, make in models.items():
        total = {"silhouette": 0.0, "adjusted_rand_index": 0.0}
        for k in range(folds.max() + 1):
            train, test = folds != k, folds == k
            prep = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(df.loc[train, MEASUREMENTS])
            model = make().fit(prep.transform(df.loc[train, MEASUREMENTS]))
            xt = prep.transform(df.loc[test, MEASUREMENTS])
            labels = model.predict(xt)
            weight = test.sum() / len(folds)
            total["silhouette"] += weight * silhouette_score(xt, labels)
            total["adjusted_rand_index"] += weight * adjusted_rand_score(species[test], labels)
        out[name] = total
    return out


def main() -> None:
    folds = json.loads(Path(sys.argv[1]).read_text())
    metrics = {**titanic(np.array(folds["titanic"])), **penguins(np.array(folds["penguins"]))}
    versions = {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__}
    print(json.dumps({"versions": versions, "metrics": metrics}))


if __name__ == "__main__":
    main()
