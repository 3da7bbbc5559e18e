"""Model state as skops bytes: a zip of JSON and NumPy arrays that loads without running code.

Pickle would execute whatever the artifact says on load. skops instead rebuilds objects from a
schema, and refuses any type that is neither in its own safe set (NumPy arrays, builtins, most
scikit-learn estimators) nor in the flavour's explicit ``trusted_types``. The artifact's checksums
are verified by the engine before the bytes ever reach here.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from typing import Any

from mpipe_runtime.errors import StateError

FORMAT = "skops"


def dumps(obj: Any) -> bytes:
    """Serializes ``obj`` with skops, deflate-compressed."""
    import skops.io as sio

    return sio.dumps(obj, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def loads(data: bytes, *, trusted: Iterable[str], owner: str) -> Any:
    """Loads skops bytes, trusting only skops' safe types and ``trusted``.

    Raises:
        StateError: if the bytes are not a skops file or hold a type that is not trusted.
    """
    import skops.io as sio

    allowed = set(trusted)
    try:
        untrusted = set(sio.get_untrusted_types(data=data))
    except Exception as error:  # skops raises zipfile/JSON errors of several kinds
        raise StateError(f"The model state of {owner} is not a readable skops file ({error}).") from error
    refused = sorted(untrusted - allowed)
    if refused:
        raise StateError(
            f"The model state of {owner} holds types this flavour does not trust: {', '.join(refused)}. "
            "Loading was refused, so no code from the artifact ran."
        )
    try:
        return sio.loads(data, trusted=sorted(untrusted))
    except Exception as error:
        raise StateError(f"The model state of {owner} could not be loaded ({error}).") from error
