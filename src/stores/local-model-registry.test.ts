import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArtifactIntegrityError, UsageError } from "../core/errors.ts";
import { type LmdbDocumentStore, openLmdbDocumentStore } from "./lmdb-document-store.ts";
import { LocalModelRegistry, MODELS_COLLECTION } from "./local-model-registry.ts";
import { describeModelRegistryConformance } from "./model-registry.conformance.ts";
import type { RegisterRequest } from "./model-registry.ts";
import { sampleManifest, sampleModel } from "./test-fixtures/sample-artifact.ts";
import { runWorkers } from "./test-fixtures/spawn-workers.ts";

const WORKER = fileURLToPath(new URL("./test-fixtures/registry-worker.ts", import.meta.url));

describeModelRegistryConformance("LocalModelRegistry", async () => {
  const root = await mkdtemp(join(tmpdir(), "local-registry-"));
  const store = openLmdbDocumentStore(join(root, "db"));
  return {
    registry: new LocalModelRegistry({ root, store }),
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe("LocalModelRegistry", () => {
  let root: string;
  let store: LmdbDocumentStore;
  let registry: LocalModelRegistry;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "local-registry-"));
    store = openLmdbDocumentStore(join(root, "db"));
    registry = new LocalModelRegistry({ root, store });
  });
  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  function request(seed = 1): RegisterRequest {
    return { name: "iris", manifest: sampleManifest({ setupName: "iris" }), model: sampleModel(seed) };
  }

  it("stores artifacts under <root>/artifacts/<name>/<version> and points artifactUri there", async () => {
    expect(registry.kind).toBe("local");
    const entry = await registry.register(request());
    const dir = join(root, "artifacts", "iris", "1");
    expect(entry.artifactUri).toBe(pathToFileURL(dir).href);
    expect((await readdir(dir)).sort()).toEqual(["arrays", "manifest.json", "state.json"]);
    expect(await readdir(join(root, "artifacts", "iris"))).toEqual(["1"]);
    expect(entry).not.toHaveProperty("evaluation");
  });

  it("ignores a pending reservation left by a crashed registration", async () => {
    await registry.register(request(1));
    await store.put(MODELS_COLLECTION, "iris/0000000002", {
      status: "pending",
      name: "iris",
      version: 2,
      reservedAt: new Date().toISOString(),
    });
    expect((await registry.resolve("iris")).version).toBe(1);
    expect((await registry.listVersions("iris")).map((e) => e.version)).toEqual([1]);
    expect((await registry.listModels()).map((e) => e.version)).toEqual([1]);
    await expect(registry.resolve("iris@2")).rejects.toThrow(/no version 2/);
    await expect(registry.setAlias("iris", "champion", 2)).rejects.toThrow(/no version 2/);
    expect((await registry.register(request(3))).version).toBe(3);
  });

  it("removes its reservation and temp files when registration fails", async () => {
    await expect(
      registry.register({ ...request(), manifest: sampleManifest({ metrics: { r2: Number.NaN } }) }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(await store.list(MODELS_COLLECTION)).toEqual([]);
    await mkdir(join(root, "artifacts", "iris"), { recursive: true });
    expect(await readdir(join(root, "artifacts", "iris"))).toEqual([]);
    expect((await registry.register(request())).version).toBe(1);
  });

  it("never overwrites an artifact folder left behind by an earlier store", async () => {
    await mkdir(join(root, "artifacts", "iris", "1"), { recursive: true });
    await writeFile(join(root, "artifacts", "iris", "1", "keep.txt"), "old");
    const entry = await registry.register(request());
    expect(entry.version).toBe(2);
    expect(await readFile(join(root, "artifacts", "iris", "1", "keep.txt"), "utf8")).toBe("old");
  });

  it("rejects a manifest that does not match the registry entry", async () => {
    const entry = await registry.register(request());
    const file = join(root, "artifacts", "iris", "1", "manifest.json");
    const manifest = JSON.parse(await readFile(file, "utf8"));
    manifest.metrics.accuracy = 0.99;
    await writeFile(file, JSON.stringify(manifest));
    const error = await registry.load(entry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect((error as Error).message).toMatch(/does not belong to iris@1: its metrics\.accuracy is 0\.99/);
  });

  it("reports a deleted artifact folder as ArtifactIntegrityError", async () => {
    const entry = await registry.register(request());
    await rm(join(root, "artifacts", "iris", "1"), { recursive: true });
    await expect(registry.load(entry)).rejects.toThrow(/artifact of iris@1 is missing/);
  });

  it("keeps working after the workspace folder is moved", async () => {
    await registry.register(request());
    await store.close();
    const moved = `${root}-moved`;
    await rename(root, moved);
    root = moved;
    store = openLmdbDocumentStore(join(root, "db"));
    registry = new LocalModelRegistry({ root, store });
    const entry = await registry.resolve("iris");
    expect(fileURLToPath(entry.artifactUri)).toBe(join(root, "artifacts", "iris", "1"));
    expect((await registry.load(entry)).model.state.seed).toBe(1);
  });

  it("rejects invalid model names before writing anything", async () => {
    await expect(registry.register({ ...request(), name: "../escape" })).rejects.toBeInstanceOf(UsageError);
    await expect(registry.register({ ...request(), name: "Iris" })).rejects.toBeInstanceOf(UsageError);
    expect(await store.list(MODELS_COLLECTION)).toEqual([]);
  });

  it("gives distinct, gap-free versions to 3 processes registering concurrently", async () => {
    const workers = 3;
    const count = 8;
    const outputs = await runWorkers(
      WORKER,
      Array.from({ length: workers }, (_, id) => [root, join(root, "db"), String(id), String(count)]),
    );
    const got = outputs.map((output) => JSON.parse(output.trim()) as number[]);
    const all = got.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: workers * count }, (_, i) => i + 1));
    for (const versions of got) expect(versions).toEqual([...versions].sort((a, b) => a - b));

    const entries = await registry.listVersions("shared-model");
    expect(entries).toHaveLength(workers * count);
    for (const entry of entries) {
      const { worker, i } = entry.evaluation as { worker: number; i: number };
      expect(got[worker][i]).toBe(entry.version);
      const loaded = await registry.load(entry);
      expect(loaded.model.state.seed).toBe(worker * 1000 + i);
    }
  }, 120_000);
});
