"""A worker that misbehaves on purpose, for the client's failure tests.

Usage: python misbehaving_worker.py MODE, where MODE is one of
  crash          answers hello, then exits with code 3 (after writing to stderr) on the next request
  hang           answers hello, then never answers again
  hang-on-start  never answers hello
  garbage        answers hello, then writes bytes that are not a message
  wrong-id       answers hello, then answers a request that was not asked
  wrong-protocol answers hello with protocol 2
  missing-package  the real worker, with scikit-learn made unimportable
"""

import json
import os
import struct
import sys
import time

from mpipe_runtime.protocol import read_message, write_message

mode = sys.argv[1]

if mode == "missing-package":
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn" or name.startswith("sklearn."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _Block())
    from mpipe_runtime.worker import main

    sys.exit(main())

replies = os.fdopen(os.dup(1), "wb")
if mode == "hang-on-start":
    time.sleep(3600)
while True:
    message = read_message(sys.stdin.buffer)
    if message is None:
        sys.exit(0)
    request_id = message.header["id"]
    if message.header["cmd"] == "hello":
        hello = {"id": request_id, "ok": True, "versions": {"python": "3"}, "flavours": [], "pid": os.getpid()}
        if mode == "wrong-protocol":
            head = json.dumps({**hello, "protocol": 2, "blobs": []}).encode()
            replies.write(struct.pack(">I", len(head)) + head)
            replies.flush()
            continue
        write_message(replies, hello)
        continue
    if mode == "crash":
        print("Traceback (most recent call last):\nMemoryError: simulated crash", file=sys.stderr, flush=True)
        os._exit(3)
    if mode == "hang":
        time.sleep(3600)
    if mode == "garbage":
        replies.write(b"\x00\x00\x00\x05hello")
        replies.flush()
        time.sleep(3600)
    if mode == "wrong-id":
        write_message(replies, {"id": request_id + 100, "ok": True, "rows": 0})
