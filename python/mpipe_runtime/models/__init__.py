"""Built-in model types and their flavours. Importing this package registers every flavour."""

from mpipe_runtime.models import penguins, titanic

__all__ = ["penguins", "titanic"]
