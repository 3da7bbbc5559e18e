"""Arrow IPC streams ↔ NumPy: the matrices and label vectors that cross the protocol.

A feature matrix travels as float64 columns ``x0 … x{p-1}`` (``NaN`` = missing), optional labels
as a column ``y``; results come back as named columns (``prediction``, ``probability``, …).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from mpipe_runtime.errors import DataError


def read_table(data: bytes) -> pa.Table:
    """Decodes an Arrow IPC stream (one or more record batches)."""
    try:
        with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
            return reader.read_all()
    except pa.ArrowInvalid as error:
        raise DataError(f"The table is not a valid Arrow IPC stream ({error}).") from error


def matrix_from_table(table: pa.Table) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows × features float64 matrix from columns ``x0…``, and ``y`` if present."""
    names = [n for n in table.column_names if n != "y"]
    expected = [f"x{j}" for j in range(len(names))]
    if names != expected:
        raise DataError(f"The feature columns must be named {expected[:3]}…, got {names[:3]}….")
    x = np.empty((table.num_rows, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        x[:, j] = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    y = table.column("y").to_numpy(zero_copy_only=False) if "y" in table.column_names else None
    return x, y


def write_table(columns: dict[str, np.ndarray]) -> bytes:
    """Encodes named 1-D arrays as an Arrow IPC stream."""
    table = pa.table({name: pa.array(values) for name, values in columns.items()})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()
