"""Versions of the runtime and the packages it relies on, recorded in every artifact."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("mpipe-runtime", "scikit-learn", "numpy", "scipy", "pyarrow", "skops")


def package_versions() -> dict[str, str]:
    """``{"python": "3.11.7", "scikit-learn": "1.5.2", …}`` for the installed packages."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name == "mpipe-runtime":
                # Run from the source tree (PYTHONPATH) rather than installed.
                from mpipe_runtime import __version__

                versions[name] = __version__
    return versions
