"""The scikit-learn + pandas counterpart of `mpipe predict`, for bench/run.ts.

Does the same job as the engine: fit the flavour on the bundled data with the same
preprocessing, then batch-predict an input file: pandas read -> the same preprocessing ->
predict / predict_proba -> write CSV or Parquet with the same columns.

  logistic-regression  median impute + standardise numbers, one-hot categories (missing -> zeros)
  gradient-boosting    HistGradientBoostingClassifier on numbers + ordinal category codes (NaN kept)
  kmeans               KMeans(k=3, n_init=10) on the median-imputed, standardised measurements
  gaussian-mixture     GaussianMixture(3, full) on the same

Usage: python bench/sklearn_predict.py FLAVOUR INPUT OUTPUT   (.csv or .parquet by extension)
Prints one JSON line with the phase timings (read, transform, predict, write) in seconds.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

ROOT = Path(__file__).resolve().parent.parent
TITANIC_NUMERIC = ["Age", "SibSp", "Parch", "Fare"]
TITANIC_CATEGORIES = {"Pclass": ["1", "2", "3"], "Sex": ["female", "male"], "Embarked": ["C", "Q", "S"]}
PENGUIN_MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def read(path: str, columns: list[str], text_columns: list[str]) -> pd.DataFrame:
    if path.endswith(".parquet"):
        frame = pd.read_parquet(path, columns=columns)
        for name in text_columns:
            # Parquet stores Pclass as an integer; categories compare as text, like the engine's.
            frame[name] = frame[name].astype("string").astype(object).where(frame[name].notna(), np.nan)
        return frame
    return pd.read_csv(path, usecols=columns, dtype={name: str for name in text_columns})


def write(frame: pd.DataFrame, path: str) -> None:
    if path.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def titanic_preprocessor(flavour: str) -> ColumnTransformer:
    categories = list(TITANIC_CATEGORIES.values())
    if flavour == "logistic-regression":
        numbers = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
        encoder = OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False)
    else:
        numbers = "passthrough"
        encoder = OrdinalEncoder(
            categories=categories, handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
        )
    return ColumnTransformer([("num", numbers, TITANIC_NUMERIC), ("cat", encoder, list(TITANIC_CATEGORIES))])


def titanic_model(flavour: str):
    if flavour == "logistic-regression":
        return LogisticRegression(C=1.0, max_iter=100)
    return HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=100, max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0.0,
        max_bins=255, early_stopping="auto", random_state=0,
    )


def penguins_model(flavour: str):
    if flavour == "kmeans":
        return KMeans(n_clusters=3, n_init=10, max_iter=300, tol=1e-4, random_state=42)
    return GaussianMixture(n_components=3, covariance_type="full", max_iter=100, tol=1e-3, reg_covar=1e-6, random_state=42)


def main(flavour: str, source: str, out: str) -> None:
    titanic = flavour in ("logistic-regression", "gradient-boosting")
    if titanic:
        columns = ["PassengerId", *TITANIC_NUMERIC, *TITANIC_CATEGORIES]
        train = read(str(ROOT / "data/titanic.csv"), [*columns, "Survived"], list(TITANIC_CATEGORIES))
        preprocess, model = titanic_preprocessor(flavour), titanic_model(flavour)
        model.fit(preprocess.fit_transform(train), train["Survived"].to_numpy())
    else:
        columns = PENGUIN_MEASUREMENTS
        train = read(str(ROOT / "data/penguins.csv"), columns, [])
        preprocess = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
        model = penguins_model(flavour)
        model.fit(preprocess.fit_transform(train))

    timings = {}
    start = time.perf_counter()
    frame = read(source, columns, list(TITANIC_CATEGORIES) if titanic else [])
    timings["read"] = time.perf_counter() - start

    start = time.perf_counter()
    x = preprocess.transform(frame)
    timings["transform"] = time.perf_counter() - start

    start = time.perf_counter()
    if titanic:
        probability = model.predict_proba(x)[:, 1]
        output = pd.DataFrame(
            {"PassengerId": frame["PassengerId"], "prediction": (probability >= 0.5).astype(np.int64), "probability": probability}
        )
    else:
        output = pd.DataFrame({"row": np.arange(len(frame)), "prediction": model.predict(x)})
    timings["predict"] = time.perf_counter() - start

    start = time.perf_counter()
    write(output, out)
    timings["write"] = time.perf_counter() - start
    print(json.dumps({"rows": len(frame), **{k: round(v, 3) for k, v in timings.items()}}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
