"""The Python runtime of model-pipeline.

Mirrors the TypeScript contract: :class:`mpipe_runtime.core.ModelCore` is the base of every
model; model types (``TitanicModel``, ``PenguinsModel``) are its abstract subclasses and
flavours are their concrete subclasses. :mod:`mpipe_runtime.factory` finds flavours by walking
the subclasses, and :mod:`mpipe_runtime.worker` serves them to the TypeScript engine over a
small versioned protocol on stdin/stdout (:mod:`mpipe_runtime.protocol`).

This module imports nothing heavy, so the worker can start and report a missing package.
"""

__version__ = "0.1.0"
