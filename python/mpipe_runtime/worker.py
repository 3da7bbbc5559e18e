"""The worker process: serves fit / predict / predict_proba over stdin/stdout.

Run as ``python -m mpipe_runtime.worker``. The TypeScript client (src/runtimes/python/) spawns
it, sends one request at a time and reads one reply per request (see :mod:`.protocol`).

The worker is stateless towards the client: ``fit`` returns the serialized state, and every
``predict`` names the state by its sha256 (sending the bytes when the worker may not have them).
Deserialized models are kept in a small LRU cache, so chunked prediction loads a model once.

It never outlives its parent: it exits when stdin closes, and a watchdog thread exits when the
parent process is gone (e.g. killed with SIGKILL, which leaves no chance to clean up).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

from mpipe_runtime.errors import MissingPackageError, ProtocolError, RuntimeErrorBase, StateError, UnknownStateError
from mpipe_runtime.protocol import COMMANDS, Message, read_message, write_message

CACHE_SIZE = 8
WATCHDOG_SECONDS = 0.5

Reply = tuple[dict[str, Any], dict[str, bytes]]


class ModelCache:
    """Deserialized models by (model type, flavour, state sha256), least recently used out first."""

    def __init__(self, capacity: int = CACHE_SIZE) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str, str], Any] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> Any | None:
        model = self._items.get(key)
        if model is not None:
            self._items.move_to_end(key)
        return model

    def put(self, key: tuple[str, str, str], model: Any) -> None:
        self._items[key] = model
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)


class Worker:
    """Dispatches requests by command and (model type, flavour)."""

    def __init__(self) -> None:
        self.cache = ModelCache()
        self.import_error: MissingPackageError | None = None
        try:
            # Heavy imports happen here, after the protocol is up, so a missing package becomes
            # an error reply the client can explain rather than a silent crash.
            from mpipe_runtime import factory, tables, versions

            factory.load_plugins()
            self.factory, self.tables, self.versions = factory, tables, versions
        except ImportError as error:
            self.import_error = MissingPackageError(f"cannot import {error.name or 'a package'} ({error})")
        self.handlers: dict[str, Callable[[Message], Reply]] = {
            "hello": self.hello,
            "fit": self.fit,
            "predict": self.predict,
            "predict_proba": self.predict,
        }

    def handle(self, message: Message) -> Reply:
        cmd = message.header.get("cmd")
        if cmd not in COMMANDS:
            raise ProtocolError(f"Unknown command {cmd!r}. Commands: {list(COMMANDS)}.")
        if self.import_error is not None:
            raise self.import_error
        return self.handlers[cmd](message)

    def hello(self, _message: Message) -> Reply:
        flavours = [
            {"modelType": f.model_type, "flavour": f.flavour, "description": f.description}
            for f in self.factory.list_flavours()
        ]
        return {"versions": self.versions.package_versions(), "flavours": flavours, "pid": os.getpid()}, {}

    def fit(self, message: Message) -> Reply:
        header = message.header
        model = self.factory.create(header.get("modelType"), header.get("flavour"), header.get("params"))
        x, y = self.tables.matrix_from_table(self.tables.read_table(_blob(message, "table")))
        model.fit(x, y)
        state = model.serialize()
        digest = hashlib.sha256(state).hexdigest()
        self.cache.put((model.model_type, model.flavour, digest), model)
        result = {"state": {"format": "skops", "sha256": digest, "bytes": len(state)}, "versions": self.versions.package_versions()}
        return result, {"state": state}

    def predict(self, message: Message) -> Reply:
        header = message.header
        model = self._model(message)
        model.apply_runtime_params(header.get("runtimeParams"))
        x, _ = self.tables.matrix_from_table(self.tables.read_table(_blob(message, "table")))
        if header["cmd"] == "predict":
            columns = {"prediction": model.predict(x)}
        else:
            proba = model.predict_proba(x)
            columns = (
                {"probability": proba}
                if proba.ndim == 1
                else {f"probability_{j}": proba[:, j].copy() for j in range(proba.shape[1])}
            )
        return {"rows": int(x.shape[0])}, {"table": self.tables.write_table(columns)}

    def _model(self, message: Message) -> Any:
        header = message.header
        cls = self.factory.flavour_class(header.get("modelType"), header.get("flavour"))
        digest = header.get("stateSha256")
        if not isinstance(digest, str):
            raise ProtocolError("predict needs stateSha256.")
        key = (cls.model_type, cls.flavour, digest)
        model = self.cache.get(key)
        if model is not None:
            return model
        state = message.blobs.get("state")
        if state is None:
            raise UnknownStateError(f"This worker has no model state {digest[:12]}…; send its bytes.")
        actual = hashlib.sha256(state).hexdigest()
        if actual != digest:
            raise StateError(f"The model state's sha256 is {actual}, but the request says {digest}.")
        model = cls.deserialize(state, header.get("params"))
        self.cache.put(key, model)
        return model


def _blob(message: Message, name: str) -> bytes:
    blob = message.blobs.get(name)
    if blob is None:
        raise ProtocolError(f"The {message.header.get('cmd')} request has no {name!r} blob.")
    return blob


def _error_header(request_id: Any, error: BaseException) -> dict[str, Any]:
    if isinstance(error, RuntimeErrorBase):
        return {"id": request_id, "ok": False, "error": {"type": error.type, "message": str(error)}}
    return {
        "id": request_id,
        "ok": False,
        "error": {"type": "InternalError", "message": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()},
    }


def _watch_parent(parent: int) -> None:
    """Exits the process once its parent is gone (re-parented to init or a subreaper)."""
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(0)


def serve(requests: BinaryIO, replies: BinaryIO) -> int:
    """Answers requests until stdin closes or ``shutdown``; returns the exit code."""
    worker = Worker()
    while True:
        try:
            message = read_message(requests)
        except ProtocolError as error:
            # The byte stream is out of step; no reply can be matched to a request any more.
            print(f"mpipe worker: {error}", file=sys.stderr, flush=True)
            return 2
        if message is None:
            return 0
        request_id = message.header.get("id")
        if message.header.get("cmd") == "shutdown":
            write_message(replies, {"id": request_id, "ok": True})
            return 0
        try:
            result, blobs = worker.handle(message)
            header, out = {**result, "id": request_id, "ok": True}, blobs
        except Exception as error:  # every failure becomes an error reply; the worker lives on
            if not isinstance(error, RuntimeErrorBase):
                traceback.print_exc(file=sys.stderr)
            header, out = _error_header(request_id, error), {}
        write_message(replies, header, out)


def main() -> int:
    """Entry point: protocol on the real stdout, anything else printed goes to stderr."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # A library that prints would corrupt the protocol stream: send fd 1 to stderr instead.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True, name="parent-watchdog").start()
    try:
        return serve(sys.stdin.buffer, replies)
    except (KeyboardInterrupt, BrokenPipeError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
