"""Framing round trips and the errors a broken stream gives."""

import io
import struct
import unittest

from mpipe_runtime.errors import ProtocolError
from mpipe_runtime.protocol import PROTOCOL_VERSION, encode, read_message


class ProtocolTest(unittest.TestCase):
    def test_round_trip_with_blobs(self) -> None:
        data = encode({"id": 7, "cmd": "fit", "params": {"k": 3}}, {"table": b"\x00\x01", "state": b"abc"})
        stream = io.BytesIO(data + encode({"id": 8, "cmd": "hello"}))
        first = read_message(stream)
        assert first is not None
        self.assertEqual(first.header["protocol"], PROTOCOL_VERSION)
        self.assertEqual(first.header["params"], {"k": 3})
        self.assertEqual(first.blobs, {"table": b"\x00\x01", "state": b"abc"})
        second = read_message(stream)
        assert second is not None
        self.assertEqual(second.header["id"], 8)
        self.assertIsNone(read_message(stream))

    def test_truncated_message_is_an_error(self) -> None:
        data = encode({"id": 1, "cmd": "fit"}, {"table": b"0123456789"})
        with self.assertRaisesRegex(ProtocolError, "ended inside a message"):
            read_message(io.BytesIO(data[:-3]))

    def test_other_protocol_version_is_refused(self) -> None:
        head = b'{"protocol": 99, "id": 1}'
        with self.assertRaisesRegex(ProtocolError, "protocol 1"):
            read_message(io.BytesIO(struct.pack(">I", len(head)) + head))

    def test_header_must_be_a_json_object(self) -> None:
        head = b"[1, 2]"
        with self.assertRaisesRegex(ProtocolError, "JSON object"):
            read_message(io.BytesIO(struct.pack(">I", len(head)) + head))


if __name__ == "__main__":
    unittest.main()
