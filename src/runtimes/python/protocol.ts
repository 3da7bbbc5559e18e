/**
 * The Python worker protocol, version 1 (the Python side is python/mpipe_runtime/protocol.py).
 *
 * Every message, in both directions:
 *
 * ```text
 * uint32 big-endian   length of the header in bytes
 * header              UTF-8 JSON: { protocol: 1, id, …, blobs: [{ name, bytes }] }
 * blob bytes          the listed blobs, back to back, in order
 * ```
 *
 * Requests carry `cmd`; replies carry the request's `id` and `ok`, plus `error: {type, message}`
 * when `ok` is false. Tables travel as Arrow IPC stream blobs named `table`, model state as a
 * blob named `state`.
 */
import { z } from "zod";

/** The protocol version this client speaks; a worker answering another version is refused. */
export const PROTOCOL_VERSION = 1;
/** Largest header either side accepts; a bigger length prefix means the stream is corrupt. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** Largest blob accepted in a reply. */
export const MAX_BLOB_BYTES = 2 ** 31 - 1;

/** Python package versions reported by the worker, e.g. `{ "scikit-learn": "1.5.2" }`. */
export const PackageVersions = z.record(z.string(), z.string());

const FlavourListing = z.object({ modelType: z.string(), flavour: z.string(), description: z.string() });

/** What `hello` answers: the worker's versions and the flavours it serves. */
export const HelloResult = z.object({
  versions: PackageVersions,
  flavours: z.array(FlavourListing),
  pid: z.int(),
});
export type HelloResult = z.infer<typeof HelloResult>;

/** What `fit` answers; the serialized state comes back as the `state` blob. */
export const FitResult = z.object({
  state: z.object({ format: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.int().min(0) }),
  versions: PackageVersions,
});
export type FitResult = z.infer<typeof FitResult>;

/** What `predict` and `predict_proba` answer; the columns come back as the `table` blob. */
export const PredictResult = z.object({ rows: z.int().min(0) });
export type PredictResult = z.infer<typeof PredictResult>;

/** Names the flavour a request is for, with its (already validated) setup params. */
export interface FlavourArgs {
  modelType: string;
  flavour: string;
  params: Record<string, unknown>;
}

/** Arguments of `predict` / `predict_proba`: the state is named by checksum, sent only if needed. */
export interface PredictArgs extends FlavourArgs {
  stateSha256: string;
  runtimeParams?: Record<string, unknown>;
}

/** Every command with its argument and result types. */
export interface CommandMap {
  hello: { args: Record<string, never>; result: HelloResult };
  fit: { args: FlavourArgs; result: FitResult };
  predict: { args: PredictArgs; result: PredictResult };
  predict_proba: { args: PredictArgs; result: PredictResult };
  shutdown: { args: Record<string, never>; result: Record<string, never> };
}
export type Command = keyof CommandMap;

/** Result schemas, checked on every reply: a reply that does not match is a protocol violation. */
export const RESULT_SCHEMAS: { readonly [C in Command]: z.ZodType<CommandMap[C]["result"]> } = {
  hello: HelloResult,
  fit: FitResult,
  predict: PredictResult,
  predict_proba: PredictResult,
  shutdown: z.object({}) as z.ZodType<Record<string, never>>,
};

/** The envelope of every reply. */
export const ReplyEnvelope = z.looseObject({
  protocol: z.literal(PROTOCOL_VERSION),
  id: z.int(),
  ok: z.boolean(),
  error: z.object({ type: z.string(), message: z.string(), traceback: z.string().optional() }).optional(),
});
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;

/** A decoded message: its JSON header and its named blobs. */
export interface Message {
  header: Record<string, unknown>;
  blobs: Map<string, Uint8Array>;
}

/** The stream broke the framing; nothing more can be read from it. */
export class ProtocolViolation extends Error {
  override readonly name = "ProtocolViolation";
}

/**
 * Frames a header and blobs as a list of buffers (blobs are not copied); `protocol` and `blobs`
 * are filled in.
 */
export function encodeMessage(
  header: Record<string, unknown>,
  blobs: Record<string, Uint8Array> = {},
): Buffer[] {
  const entries = Object.entries(blobs);
  const json = Buffer.from(
    JSON.stringify({
      ...header,
      protocol: PROTOCOL_VERSION,
      blobs: entries.map(([name, bytes]) => ({ name, bytes: bytes.byteLength })),
    }),
    "utf8",
  );
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(json.byteLength, 0);
  return [
    prefix,
    json,
    ...entries.map(([, bytes]) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
  ];
}

const BlobList = z.array(z.object({ name: z.string(), bytes: z.int().min(0).max(MAX_BLOB_BYTES) }));

/**
 * Incremental decoder: feed it chunks as they arrive on a pipe, get whole messages back.
 * Chunks are kept as a list and joined only when a part is complete, so a large blob arriving
 * in many small chunks is copied once.
 */
export class MessageDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private headerLength: number | undefined;
  private header: Record<string, unknown> | undefined;
  private blobList: z.infer<typeof BlobList> = [];
  private blobs = new Map<string, Uint8Array>();

  /** Bytes received that do not yet form a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the messages it completes.
   *
   * @throws ProtocolViolation on an oversized or non-JSON header or a malformed blob list.
   */
  push(chunk: Buffer): Message[] {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const messages: Message[] = [];
    for (;;) {
      if (this.headerLength === undefined) {
        if (this.buffered < 4) break;
        this.headerLength = this.take(4).readUInt32BE(0);
        if (this.headerLength > MAX_HEADER_BYTES) {
          throw new ProtocolViolation(
            `a header length of ${this.headerLength} bytes exceeds ${MAX_HEADER_BYTES}`,
          );
        }
      }
      if (this.header === undefined) {
        if (this.buffered < this.headerLength) break;
        this.header = parseHeader(this.take(this.headerLength));
        const list = BlobList.safeParse(this.header.blobs ?? []);
        if (!list.success) throw new ProtocolViolation(`the header's blob list is malformed`);
        this.blobList = list.data;
        this.blobs = new Map();
      }
      while (this.blobs.size < this.blobList.length) {
        const next = this.blobList[this.blobs.size];
        if (this.buffered < next.bytes) break;
        this.blobs.set(next.name, this.take(next.bytes));
      }
      if (this.blobs.size < this.blobList.length) break;
      messages.push({ header: this.header, blobs: this.blobs });
      this.headerLength = undefined;
      this.header = undefined;
    }
    return messages;
  }

  private take(size: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0];
    if (first && first.byteLength >= size) {
      out = first.subarray(0, size);
      if (first.byteLength === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
    } else {
      out = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const chunk = this.chunks[0];
        const n = Math.min(size - filled, chunk.byteLength);
        chunk.copy(out, filled, 0, n);
        filled += n;
        if (n === chunk.byteLength) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.buffered -= size;
    return out;
  }
}

function parseHeader(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new ProtocolViolation(`a header is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolViolation("a header is not a JSON object");
  }
  return value as Record<string, unknown>;
}
