"""The worker process end to end: hello, fit, predict with and without the state bytes."""

import hashlib
import os
import subprocess
import sys
import unittest
from pathlib import Path

import numpy as np

from mpipe_runtime import tables
from mpipe_runtime.protocol import encode, read_message

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class WorkerTest(unittest.TestCase):
    def setUp(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mpipe_runtime.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )

    def tearDown(self) -> None:
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.close()
        self.proc.stdout.close()

    def call(self, header: dict, blobs: dict | None = None):
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(encode(header, blobs))
        self.proc.stdin.flush()
        reply = read_message(self.proc.stdout)
        assert reply is not None
        self.assertEqual(reply.header["id"], header["id"])
        return reply

    def test_hello_fit_predict_shutdown(self) -> None:
        hello = self.call({"id": 1, "cmd": "hello"})
        self.assertTrue(hello.header["ok"])
        self.assertIn("scikit-learn", hello.header["versions"])

        rng = np.random.default_rng(1)
        x = rng.normal(size=(60, 3))
        y = (x[:, 0] > 0).astype(np.int32)
        columns = {f"x{j}": x[:, j] for j in range(3)}
        spec = {"modelType": "titanic", "flavour": "sklearn-random-forest", "params": {"nEstimators": 5}}
        fit = self.call({"id": 2, "cmd": "fit", **spec}, {"table": tables.write_table({**columns, "y": y})})
        self.assertTrue(fit.header["ok"], fit.header.get("error"))
        state = fit.blobs["state"]
        digest = fit.header["state"]["sha256"]
        self.assertEqual(hashlib.sha256(state).hexdigest(), digest)

        table = {"table": tables.write_table(columns)}
        cached = self.call({"id": 3, "cmd": "predict_proba", **spec, "stateSha256": digest}, table)
        self.assertTrue(cached.header["ok"], cached.header.get("error"))
        p = tables.read_table(cached.blobs["table"]).column("probability").to_numpy()
        self.assertEqual(p.shape, (60,))

        unknown = self.call({"id": 4, "cmd": "predict", **spec, "stateSha256": "0" * 64}, table)
        self.assertEqual(unknown.header["error"]["type"], "UnknownState")
        tampered = self.call({"id": 5, "cmd": "predict", **spec, "stateSha256": "0" * 64}, {**table, "state": state})
        self.assertEqual(tampered.header["error"]["type"], "StateError")

        bad = self.call({"id": 6, "cmd": "fit", **spec, "params": {"nEstimators": -1}}, {"table": table["table"]})
        self.assertEqual(bad.header["error"]["type"], "ParamError")

        done = self.call({"id": 7, "cmd": "shutdown"})
        self.assertTrue(done.header["ok"])
        self.assertEqual(self.proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main()
