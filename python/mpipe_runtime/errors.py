"""Errors the runtime raises on purpose.

Each class has a stable ``type`` that the worker puts in an error reply, so the TypeScript client
can map it to its own error hierarchy (e.g. ``ParamError`` → ``SetupValidationError``). Messages
are safe to show a user: they say what was wrong and what was expected.
"""


class RuntimeErrorBase(Exception):
    """Base of every deliberate runtime error; ``type`` travels in the error reply."""

    type = "RuntimeError"


class ParamError(RuntimeErrorBase, ValueError):
    """A setup or runtime parameter is unknown or outside its constraint."""

    type = "ParamError"


class NotFittedError(RuntimeErrorBase):
    """``predict`` or ``serialize`` was called before ``fit``."""

    type = "NotFittedError"


class UnknownFlavourError(RuntimeErrorBase, LookupError):
    """No flavour is registered under the requested (model type, flavour)."""

    type = "UnknownFlavour"


class UnknownStateError(RuntimeErrorBase, LookupError):
    """A request named a model state by checksum that this worker has not loaded.

    Not a user error: the client answers it by resending the state bytes.
    """

    type = "UnknownState"


class StateError(RuntimeErrorBase):
    """Serialized model state is damaged, mismatched, or holds types the flavour does not trust."""

    type = "StateError"


class DataError(RuntimeErrorBase, ValueError):
    """A table sent to the worker does not have the columns or shape the command needs."""

    type = "DataError"


class ProtocolError(RuntimeErrorBase):
    """A message broke the framing or named an unknown protocol version or command."""

    type = "ProtocolError"


class MissingPackageError(RuntimeErrorBase, ImportError):
    """A package the runtime needs (scikit-learn, pyarrow, skops, numpy) cannot be imported."""

    type = "MissingPackage"
