"""Every Python flavour: params checked first, not-fitted errors, deterministic, save → load → predict."""

import unittest

import numpy as np

from mpipe_runtime import factory, serialization
from mpipe_runtime.errors import DataError, NotFittedError, ParamError, StateError


def sample(rows: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    return x, y


class FlavourConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        factory.load_plugins()

    def test_built_in_flavours_are_found_by_walking_subclasses(self) -> None:
        keys = {(f.model_type, f.flavour) for f in factory.list_flavours()}
        self.assertIn(("titanic", "sklearn-random-forest"), keys)
        self.assertIn(("penguins", "sklearn-agglomerative"), keys)

    def test_unknown_flavour_lists_the_valid_ones(self) -> None:
        with self.assertRaisesRegex(Exception, r"Must be one of \['sklearn-random-forest'\]"):
            factory.create("titanic", "no-such-flavour")

    def test_conformance_of_every_flavour(self) -> None:
        x, y = sample()
        for (model_type, flavour), cls in factory.flavours().items():
            with self.subTest(flavour=f"{model_type}/{flavour}"):
                with self.assertRaises(ParamError):
                    cls({"noSuchParam": 1})
                with self.assertRaises(NotFittedError):
                    cls().predict(x)
                with self.assertRaises(NotFittedError):
                    cls().serialize()
                before = x.copy()
                a = cls().fit(x, y)
                b = cls().fit(x, y)
                np.testing.assert_array_equal(a.predict(x), b.predict(x))
                np.testing.assert_array_equal(x, before)
                restored = cls.deserialize(a.serialize())
                np.testing.assert_array_equal(restored.predict(x), a.predict(x))
                np.testing.assert_array_equal(restored.predict(x[5:6]), a.predict(x)[5:6])

    def test_out_of_range_param_message_names_param_and_constraint(self) -> None:
        with self.assertRaisesRegex(ParamError, r"The 'k' parameter of penguins/sklearn-agglomerative must be an int in the range \[2, 100\]. Got 0 instead."):
            factory.create("penguins", "sklearn-agglomerative", {"k": 0})

    def test_missing_values_refused_unless_the_flavour_allows_them(self) -> None:
        x, y = sample()
        x[3, 1] = np.nan
        with self.assertRaisesRegex(DataError, "missing values"):
            factory.create("penguins", "sklearn-agglomerative").fit(x)
        factory.create("titanic", "sklearn-random-forest", {"nEstimators": 5}).fit(x, y)

    def test_state_with_untrusted_types_is_refused_without_loading(self) -> None:
        x, y = sample()
        forest = factory.create("titanic", "sklearn-random-forest", {"nEstimators": 3}).fit(x, y).serialize()
        agglomerative = factory.flavour_class("penguins", "sklearn-agglomerative")
        with self.assertRaisesRegex(StateError, "does not trust: sklearn.tree._tree.Tree"):
            agglomerative.deserialize(forest)
        with self.assertRaisesRegex(StateError, "not a readable skops file"):
            serialization.loads(b"not a zip", trusted=(), owner="x")


if __name__ == "__main__":
    unittest.main()
