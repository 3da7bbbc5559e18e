"""Finds flavours by walking the subclasses of :class:`~mpipe_runtime.core.ModelCore`.

A flavour is registered by being defined: any concrete subclass with a ``flavour`` attribute,
imported before the factory looks (the built-ins are imported by :mod:`mpipe_runtime.models`;
others can be named in ``MPIPE_PYTHON_PLUGINS``, a comma-separated list of modules).
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterator
from dataclasses import dataclass

from mpipe_runtime.core import ModelCore
from mpipe_runtime.errors import UnknownFlavourError


@dataclass(frozen=True)
class FlavourInfo:
    """A flavour as listed to the engine."""

    model_type: str
    flavour: str
    description: str


def load_plugins() -> None:
    """Imports the built-in flavours and the modules named in ``MPIPE_PYTHON_PLUGINS``."""
    importlib.import_module("mpipe_runtime.models")
    for name in filter(None, (part.strip() for part in os.environ.get("MPIPE_PYTHON_PLUGINS", "").split(","))):
        importlib.import_module(name)


def _walk(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _walk(sub)


def flavours() -> dict[tuple[str, str], type[ModelCore]]:
    """Every concrete flavour, keyed by (model type, flavour).

    Raises:
        UnknownFlavourError: if two classes claim the same key (a plug-in clash).
    """
    found: dict[tuple[str, str], type[ModelCore]] = {}
    for cls in _walk(ModelCore):
        if inspect.isabstract(cls) or "flavour" not in vars(cls):
            continue
        key = (cls.model_type, cls.flavour)
        if key in found and found[key] is not cls:
            raise UnknownFlavourError(
                f"Two classes register {key[0]}/{key[1]}: {found[key].__qualname__} and {cls.__qualname__}."
            )
        found[key] = cls
    return found


def list_flavours() -> list[FlavourInfo]:
    """Flavours sorted by model type and flavour."""
    return [FlavourInfo(t, f, cls.description) for (t, f), cls in sorted(flavours().items())]


def flavour_class(model_type: str, flavour: str) -> type[ModelCore]:
    """The class registered for (model type, flavour).

    Raises:
        UnknownFlavourError: listing the flavours of that model type.
    """
    known = flavours()
    cls = known.get((model_type, flavour))
    if cls is None:
        same_type = sorted(f for t, f in known if t == model_type)
        raise UnknownFlavourError(
            f"The Python runtime has no flavour {flavour!r} for model type {model_type!r}. "
            f"Must be one of {same_type}."
        )
    return cls


def create(model_type: str, flavour: str, params: dict | None = None) -> ModelCore:
    """Builds an unfitted model with validated params."""
    return flavour_class(model_type, flavour)(params)
