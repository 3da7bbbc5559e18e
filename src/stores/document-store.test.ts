import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, UsageError } from "../core/errors.ts";
import type { JsonObject } from "../core/json.ts";
import type { DocumentTransaction } from "./document-store.ts";
import { type LmdbDocumentStore, openLmdbDocumentStore } from "./lmdb-document-store.ts";
import { runWorkers } from "./test-fixtures/spawn-workers.ts";

const WORKER = fileURLToPath(new URL("./test-fixtures/document-store-worker.ts", import.meta.url));

let dir: string;
let store: LmdbDocumentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "document-store-"));
  store = openLmdbDocumentStore(join(dir, "db"));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("LmdbDocumentStore versioned documents", () => {
  it("appends versions 1, 2, 3 and reads the latest or a given one", async () => {
    const first = await store.putVersion("setups", "iris", { k: 1 });
    expect(first).toMatchObject({ name: "iris", version: 1, body: { k: 1 } });
    expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt);
    await store.putVersion("setups", "iris", { k: 2 });
    await store.putVersion("setups", "iris", { k: 3 });

    expect((await store.getVersion("setups", "iris"))?.body).toEqual({ k: 3 });
    expect((await store.getVersion("setups", "iris", 2))?.body).toEqual({ k: 2 });
    expect(await store.getVersion("setups", "iris", 4)).toBeUndefined();
    expect(await store.getVersion("setups", "nope")).toBeUndefined();
    expect(await store.listVersions("setups", "iris")).toEqual([1, 2, 3]);
    expect(await store.listVersions("setups", "nope")).toEqual([]);
    await expect(store.getVersion("setups", "iris", 0)).rejects.toBeInstanceOf(UsageError);
  });

  it("enforces create and update preconditions", async () => {
    await store.putVersion("setups", "iris", { k: 1 }, { create: true });
    await expect(store.putVersion("setups", "iris", { k: 2 }, { create: true })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(store.putVersion("setups", "other", { k: 1 }, { update: true })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      store.putVersion("setups", "iris", {}, { create: true, update: true }),
    ).rejects.toBeInstanceOf(UsageError);
    expect((await store.putVersion("setups", "iris", { k: 2 }, { update: true })).version).toBe(2);
    expect(await store.listVersions("setups", "other")).toEqual([]);
  });

  it("lists the latest version per name, sorted, without mixing names that share a prefix", async () => {
    for (const name of ["b", "a-b", "a", "ab", "a/b"]) await store.putVersion("setups", name, { name });
    await store.putVersion("setups", "a", { name: "a", second: true });
    await store.putVersion("datasets", "zzz", {});
    await store.put("setups", "a", { record: true });

    const latest = await store.listLatest("setups");
    expect(latest.map((d) => d.name)).toEqual(["a", "a-b", "a/b", "ab", "b"]);
    expect(latest[0]).toMatchObject({ version: 2, body: { second: true } });
    expect(await store.listVersions("setups", "a")).toEqual([1, 2]);
    expect(await store.listLatest("empty")).toEqual([]);
  });

  it("keeps more than nine versions in numeric order", async () => {
    for (let i = 1; i <= 12; i++) await store.putVersion("setups", "many", { i });
    expect(await store.listVersions("setups", "many")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await store.getVersion("setups", "many"))?.version).toBe(12);
  });
});

describe("LmdbDocumentStore records", () => {
  it("puts, replaces, gets and removes records", async () => {
    await store.put("runs", "r1", { status: "running" });
    await store.put("runs", "r1", { status: "done", rows: 3 });
    expect(await store.get("runs", "r1")).toEqual({ status: "done", rows: 3 });
    expect(await store.get("runs", "r2")).toBeUndefined();
    expect(await store.get("other", "r1")).toBeUndefined();
    expect(await store.remove("runs", "r1")).toBe(true);
    expect(await store.remove("runs", "r1")).toBe(false);
    expect(await store.get("runs", "r1")).toBeUndefined();
  });

  it("lists by prefix, sorted by key, within one collection only", async () => {
    for (const key of ["m/2", "m/1", "m-x/1", "n/1", "m/10"]) await store.put("models", key, { key });
    await store.put("models2", "m/3", {});
    await store.putVersion("models", "m/4", {});
    expect((await store.list("models", "m/")).map((r) => r.key)).toEqual(["m/1", "m/10", "m/2"]);
    expect((await store.list("models")).map((r) => r.key)).toEqual(["m-x/1", "m/1", "m/10", "m/2", "n/1"]);
    expect(await store.list("models", "zzz")).toEqual([]);
    expect((await store.list("models", "n/"))[0]).toEqual({ key: "n/1", value: { key: "n/1" } });
  });

  it("rejects values JSON would mangle and malformed names", async () => {
    const bad: unknown[] = [
      { x: Number.NaN },
      { x: Number.POSITIVE_INFINITY },
      { x: new Float64Array(2) },
      { x: new Date(0) },
      { x: [undefined] },
      [1, 2],
    ];
    for (const value of bad) {
      await expect(store.put("c", "k", value as JsonObject)).rejects.toBeInstanceOf(UsageError);
    }
    await expect(store.putVersion("c", "k", { deep: { x: Number.NaN } })).rejects.toThrow(/field deep\.x/);
    await expect(store.put("", "k", {})).rejects.toBeInstanceOf(UsageError);
    await expect(store.put("c", "", {})).rejects.toBeInstanceOf(UsageError);
    await expect(store.put("c", "a\u0000b", {})).rejects.toBeInstanceOf(UsageError);
    await expect(store.put("c", "x".repeat(600), {})).rejects.toBeInstanceOf(UsageError);
    expect(await store.list("c")).toEqual([]);
    // undefined object properties are dropped, as JSON does.
    await store.put("c", "k", { a: 1, b: undefined } as unknown as JsonObject);
    expect(await store.get("c", "k")).toEqual({ a: 1 });
  });

  it("persists across reopening", async () => {
    await store.putVersion("setups", "iris", { k: 1 });
    await store.put("runs", "r1", { ok: true });
    await store.close();
    store = openLmdbDocumentStore(join(dir, "db"));
    expect((await store.getVersion("setups", "iris"))?.body).toEqual({ k: 1 });
    expect(await store.get("runs", "r1")).toEqual({ ok: true });
  });

  it("fails clearly after close", async () => {
    await store.close();
    await expect(store.get("c", "k")).rejects.toThrow(/closed/);
    store = openLmdbDocumentStore(join(dir, "db"));
  });
});

describe("LmdbDocumentStore transactions", () => {
  it("commits all writes together and sees its own writes", async () => {
    const result = await store.transaction((tx) => {
      tx.put("a", "1", { v: 1 });
      const doc = tx.putVersion("docs", "d", { v: 1 });
      tx.putVersion("docs", "d", { v: 2 });
      return { seen: tx.get("a", "1"), listed: tx.list("a").length, latest: tx.getVersion("docs", "d"), doc };
    });
    expect(result.seen).toEqual({ v: 1 });
    expect(result.listed).toBe(1);
    expect(result.latest?.version).toBe(2);
    expect(await store.listVersions("docs", "d")).toEqual([1, 2]);
  });

  it("keeps nothing when the callback throws", async () => {
    await store.put("a", "kept", { v: 0 });
    await expect(
      store.transaction((tx) => {
        tx.put("a", "1", { v: 1 });
        tx.remove("a", "kept");
        tx.putVersion("docs", "d", { v: 1 });
        throw new ConflictError("changed my mind");
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.get("a", "1")).toBeUndefined();
    expect(await store.get("a", "kept")).toEqual({ v: 0 });
    expect(await store.getVersion("docs", "d")).toBeUndefined();
  });

  it("rejects an async callback and keeps nothing", async () => {
    await expect(
      store.transaction(async (tx) => {
        tx.put("a", "1", { v: 1 });
      }),
    ).rejects.toThrow(/synchronous/);
    expect(await store.get("a", "1")).toBeUndefined();
  });

  it("does not let a transaction view be used after the transaction", async () => {
    let leaked: DocumentTransaction | undefined;
    await store.transaction((tx) => {
      leaked = tx;
    });
    expect(() => leaked?.put("a", "1", {})).toThrow(/ended/);
  });
});

describe("LmdbDocumentStore across processes", () => {
  it("loses no version, record or counter increment when 4 processes write 200 times each", async () => {
    const workers = 4;
    const count = 200;
    const dbDir = join(dir, "db");
    // The parent's store stays open: its reads must still see the children's commits.
    const outputs = await runWorkers(
      WORKER,
      Array.from({ length: workers }, (_, id) => [dbDir, String(id), String(count)]),
    );
    for (const output of outputs) expect(output).toContain("done");

    const total = workers * count;
    const versions = await store.listVersions("docs", "shared");
    expect(versions).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const seenByWorker = Array.from({ length: workers }, () => [] as number[]);
    for (const version of versions) {
      const doc = await store.getVersion("docs", "shared", version);
      expect(doc?.version).toBe(version);
      const { worker, seq } = doc!.body as { worker: number; seq: number };
      seenByWorker[worker].push(seq);
    }
    // Each worker's versions appear in the order it wrote them, all of them exactly once.
    for (const seqs of seenByWorker) expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));

    expect(await store.list("records")).toHaveLength(total);
    expect(await store.get("counters", "total")).toEqual({ value: total });
    expect((await store.listLatest("docs"))[0].version).toBe(total);
  }, 120_000);
});
