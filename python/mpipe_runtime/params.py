"""Parameter constraints as data, checked in one place with one message template.

Like scikit-learn's ``_parameter_constraints``: a flavour declares a mapping from parameter name
to :class:`Param` (its default and constraint); :func:`validate_params` fills in defaults and
rejects unknown names and out-of-range values before any work starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mpipe_runtime.errors import ParamError


@dataclass(frozen=True)
class Constraint:
    """A predicate over values, the phrase that describes valid ones, and a normaliser."""

    check: Callable[[Any], bool]
    expected: str
    # JSON has one number type: a whole 3.0 that passes an int constraint becomes 3.
    normalise: Callable[[Any], Any] = lambda value: value


@dataclass(frozen=True)
class Param:
    """One declared parameter: its default and its constraint."""

    default: Any
    constraint: Constraint


def integer(low: int | None = None, high: int | None = None, *, none: bool = False) -> Constraint:
    """An int in ``[low, high]`` (either end open when ``None``), optionally ``None``."""

    def check(value: Any) -> bool:
        if value is None:
            return none
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
        return whole and (low is None or value >= low) and (high is None or value <= high)

    phrase = f"an int in the range [{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    return Constraint(check, phrase + (" or None" if none else ""), lambda v: v if v is None else int(v))


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False) -> Constraint:
    """A float in ``[low, high]``, or ``(low, high]`` when ``low_open``."""

    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if low is not None and (value <= low if low_open else value < low):
            return False
        return high is None or value <= high

    bracket = "(" if low_open else "["
    return Constraint(check, f"a float in the range {bracket}{'-inf' if low is None else low}, {'inf' if high is None else high}]", float)


def one_of(*options: Any) -> Constraint:
    """One of a fixed set of values."""
    return Constraint(lambda value: value in options, f"one of {list(options)}")


def any_of(*constraints: Constraint) -> Constraint:
    """Satisfied by any of the given constraints; the first that accepts a value normalises it."""

    def normalise(value: Any) -> Any:
        for constraint in constraints:
            if constraint.check(value):
                return constraint.normalise(value)
        return value

    return Constraint(
        lambda value: any(c.check(value) for c in constraints),
        " or ".join(c.expected for c in constraints),
        normalise,
    )


def validate_params(owner: str, declared: Mapping[str, Param], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Returns ``given`` with defaults filled in and values normalised.

    Raises:
        ParamError: for an unknown name or a value outside its constraint, e.g. "The 'k'
            parameter of penguins/sklearn-agglomerative must be an int in the range [2, 100].
            Got 0 instead."
    """
    given = dict(given or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParamError(f"{owner} has no parameter {unknown[0]!r}. Parameters: {sorted(declared) or 'none'}.")
    result: dict[str, Any] = {}
    for name, spec in declared.items():
        value = given.get(name, spec.default)
        if not spec.constraint.check(value):
            raise ParamError(
                f"The {name!r} parameter of {owner} must be {spec.constraint.expected}. Got {value!r} instead."
            )
        result[name] = spec.constraint.normalise(value)
    return result
