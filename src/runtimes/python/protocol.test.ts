import { describe, expect, it } from "vitest";
import { decodeColumns, encodeMatrix } from "./arrow-tables.ts";
import { encodeMessage, MessageDecoder, PROTOCOL_VERSION, ProtocolViolation } from "./protocol.ts";

function frame(header: Record<string, unknown>, blobs: Record<string, Uint8Array> = {}): Buffer {
  return Buffer.concat(encodeMessage(header, blobs));
}

describe("worker protocol framing", () => {
  it("round-trips headers and blobs, whole or byte by byte", () => {
    const state = Uint8Array.from([1, 2, 3, 255]);
    const table = new Uint8Array(100_000).fill(7);
    const bytes = Buffer.concat([
      frame({ id: 1, cmd: "fit", params: { k: 3 } }, { table, state }),
      frame({ id: 2, cmd: "hello" }),
    ]);

    const whole = new MessageDecoder().push(bytes);
    expect(whole.map((m) => m.header.id)).toEqual([1, 2]);
    expect(whole[0].header).toMatchObject({ protocol: PROTOCOL_VERSION, cmd: "fit", params: { k: 3 } });
    expect([...whole[0].blobs.keys()]).toEqual(["table", "state"]);
    expect(Buffer.from(whole[0].blobs.get("state")!)).toEqual(Buffer.from(state));
    expect(Buffer.from(whole[0].blobs.get("table")!).equals(Buffer.from(table))).toBe(true);

    const decoder = new MessageDecoder();
    const seen = [];
    for (let i = 0; i < bytes.length; i += 997) seen.push(...decoder.push(bytes.subarray(i, i + 997)));
    expect(seen.map((m) => m.header.id)).toEqual([1, 2]);
    expect(Buffer.from(seen[0].blobs.get("table")!).equals(Buffer.from(table))).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("keeps a partial message until the rest arrives", () => {
    const bytes = frame({ id: 9 }, { state: new Uint8Array(10) });
    const decoder = new MessageDecoder();
    expect(decoder.push(bytes.subarray(0, bytes.length - 1))).toEqual([]);
    expect(decoder.push(bytes.subarray(bytes.length - 1))).toHaveLength(1);
  });

  it("rejects a header that is not a JSON object or is absurdly long", () => {
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from("hello")]);
    expect(() => new MessageDecoder().push(notJson)).toThrow(ProtocolViolation);
    const array = Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from("[]")]);
    expect(() => new MessageDecoder().push(array)).toThrow(/not a JSON object/);
    expect(() => new MessageDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/exceeds/);
    const head = Buffer.from(JSON.stringify({ protocol: 1, id: 1, blobs: [{ name: "x", bytes: -1 }] }));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(head.length);
    expect(() => new MessageDecoder().push(Buffer.concat([prefix, head]))).toThrow(/blob list/);
  });
});

describe("Arrow tables", () => {
  it("round-trips a matrix with NaN and labels, across record batches", () => {
    const rows = 70_000;
    const cols = 3;
    const data = new Float64Array(rows * cols).map((_, i) => (i % 11 === 0 ? Number.NaN : i / 7));
    const labels = Uint8Array.from({ length: rows }, (_, i) => i % 2);
    const columns = decodeColumns(encodeMatrix({ rows, cols, data }, labels), rows, "test");
    expect([...columns.keys()]).toEqual(["x0", "x1", "x2", "y"]);
    for (let j = 0; j < cols; j++) {
      const column = columns.get(`x${j}`)!;
      for (const i of [0, 1, 11, 65_535, 65_536, rows - 1]) {
        expect(Object.is(column[i], data[i * cols + j])).toBe(true);
      }
    }
    expect(Array.from(columns.get("y")!.subarray(0, 4))).toEqual([0, 1, 0, 1]);
  });

  it("encodes an empty matrix and rejects a table with the wrong row count", () => {
    const empty = encodeMatrix({ rows: 0, cols: 2, data: new Float64Array(0) });
    expect(decodeColumns(empty, 0, "test").get("x1")).toHaveLength(0);
    expect(() => decodeColumns(empty, 5, "test")).toThrow(/0 rows for 5/);
    expect(() => decodeColumns(Uint8Array.from([1, 2, 3]), 0, "test")).toThrow(/not Arrow IPC/);
  });
});
