/**
 * The behaviour every {@link ModelRegistry} must show, as one reusable test body. Each
 * implementation's test file calls {@link describeModelRegistryConformance} with a factory for a
 * fresh, empty registry.
 */
import { readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TypedArray } from "../algorithms/matrix.ts";
import { ArtifactIntegrityError, type EngineError, NotFoundError, UsageError } from "../core/errors.ts";
import type { ModelRegistry, ModelVersionEntry, RegisterRequest } from "./model-registry.ts";
import { sampleManifest, sampleModel } from "./test-fixtures/sample-artifact.ts";

/** A fresh registry for one test, plus how to dispose of it. */
export interface RegistryFixture {
  registry: ModelRegistry;
  cleanup: () => Promise<void>;
  /**
   * The local folder holding a version's artifact files, for the tamper tests. Defaults to the
   * path of a `file:` artifactUri; registries with remote artifacts must provide it.
   */
  artifactDir?: (entry: ModelVersionEntry) => Promise<string>;
}

const MODEL = "conformance-model";
const OTHER = "another-model";

/** Registers the shared conformance tests for a registry implementation. */
export function describeModelRegistryConformance(
  label: string,
  makeRegistry: () => Promise<RegistryFixture>,
): void {
  describe(`ModelRegistry conformance: ${label}`, () => {
    let fixture: RegistryFixture;
    let registry: ModelRegistry;

    beforeEach(async () => {
      fixture = await makeRegistry();
      registry = fixture.registry;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    function request(name = MODEL, seed = 1, metrics = { accuracy: 0.5 + seed / 100 }): RegisterRequest {
      return {
        name,
        manifest: sampleManifest({ setupName: name, metrics }),
        model: sampleModel(seed),
        evaluation: {
          confusion: [
            [seed, 1],
            [2, 3],
          ],
        },
      };
    }

    async function artifactDir(entry: ModelVersionEntry): Promise<string> {
      if (fixture.artifactDir) return fixture.artifactDir(entry);
      if (!entry.artifactUri.startsWith("file:")) {
        throw new Error(`Provide artifactDir in the fixture: cannot tamper with ${entry.artifactUri}`);
      }
      return fileURLToPath(entry.artifactUri);
    }

    async function rejection(promise: Promise<unknown>): Promise<EngineError> {
      const error = await promise.then(
        () => {
          throw new Error("expected a rejection");
        },
        (e: unknown) => e,
      );
      return error as EngineError;
    }

    async function expectNotFound(promise: Promise<unknown>, ...mentions: string[]): Promise<void> {
      const error = await rejection(promise);
      expect(error).toBeInstanceOf(NotFoundError);
      for (const text of mentions) expect(error.message).toContain(text);
      expect(error.hint).toBeTruthy();
    }

    it("has a kind", () => {
      expect(typeof registry.kind).toBe("string");
      expect(registry.kind.length).toBeGreaterThan(0);
    });

    it("registers versions 1 and 2 with the manifest's metadata", async () => {
      const first = await registry.register(request(MODEL, 1));
      const second = await registry.register(request(MODEL, 2));
      expect([first.version, second.version]).toEqual([1, 2]);
      const manifest = sampleManifest({ setupName: MODEL, metrics: { accuracy: 0.52 } });
      expect(second).toMatchObject({
        name: MODEL,
        modelType: manifest.modelType,
        flavour: manifest.flavour,
        runtime: manifest.runtime,
        metrics: { accuracy: 0.52 },
        lineage: manifest.lineage,
        aliases: [],
        evaluation: {
          confusion: [
            [2, 1],
            [2, 3],
          ],
        },
      });
      expect(new Date(second.createdAt).toISOString()).toBe(second.createdAt);
      expect(second.artifactUri).not.toBe(first.artifactUri);
    });

    it("resolves the latest version, name@latest, name@N and name@alias", async () => {
      await registry.register(request(MODEL, 1));
      await registry.register(request(MODEL, 2));
      expect((await registry.resolve(MODEL)).version).toBe(2);
      expect((await registry.resolve(`${MODEL}@latest`)).version).toBe(2);
      expect((await registry.resolve(`${MODEL}@1`)).version).toBe(1);
      await registry.setAlias(MODEL, "champion", 1);
      const champion = await registry.resolve(`${MODEL}@champion`);
      expect(champion.version).toBe(1);
      expect(champion.aliases).toEqual(["champion"]);
      expect((await registry.resolve(`${MODEL}@1`)).metrics).toEqual({ accuracy: 0.51 });
    });

    it("moves an alias, lists it on its version, and removes it", async () => {
      await registry.register(request(MODEL, 1));
      await registry.register(request(MODEL, 2));
      await registry.setAlias(MODEL, "champion", 1);
      await registry.setAlias(MODEL, "challenger", 1);
      await registry.setAlias(MODEL, "champion", 2);
      expect((await registry.resolve(`${MODEL}@champion`)).version).toBe(2);
      expect((await registry.resolve(`${MODEL}@1`)).aliases).toEqual(["challenger"]);
      expect((await registry.resolve(`${MODEL}@2`)).aliases).toEqual(["champion"]);

      await registry.removeAlias(MODEL, "champion");
      await expectNotFound(registry.resolve(`${MODEL}@champion`), "champion", "challenger");
      await expectNotFound(registry.removeAlias(MODEL, "champion"), "champion");
      expect((await registry.resolve(`${MODEL}@2`)).aliases).toEqual([]);
    });

    it("reports unknown models, versions and aliases as NotFoundError listing what exists", async () => {
      await registry.register(request(MODEL, 1));
      await registry.register(request(MODEL, 2));
      await registry.register(request(OTHER, 1));
      await registry.setAlias(MODEL, "champion", 2);
      await expectNotFound(registry.resolve("no-such-model"), "no-such-model", MODEL, OTHER);
      await expectNotFound(registry.resolve(`${MODEL}@7`), "7", "1, 2");
      await expectNotFound(registry.resolve(`${MODEL}@staging`), "staging", "champion");
      await expectNotFound(registry.listVersions("no-such-model"), "no-such-model");
      await expectNotFound(registry.setAlias(MODEL, "staging", 3), "3");
      await expectNotFound(registry.setAlias("no-such-model", "staging", 1), "no-such-model");
    });

    it("rejects malformed references and alias names with UsageError", async () => {
      await registry.register(request(MODEL, 1));
      for (const ref of ["", "Bad Name", `${MODEL}@`, `${MODEL}@0`, `${MODEL}@Champion`, `${MODEL}@1@2`]) {
        expect(await rejection(registry.resolve(ref))).toBeInstanceOf(UsageError);
      }
      for (const alias of ["123", "Champion", "latest", "v2", "has space", ""]) {
        expect(await rejection(registry.setAlias(MODEL, alias, 1))).toBeInstanceOf(UsageError);
      }
    });

    it("loads identical state and typed arrays", async () => {
      const model = sampleModel(9);
      const entry = await registry.register({ ...request(MODEL, 9), model });
      const loaded = await registry.load(await registry.resolve(MODEL));
      expect(loaded.model.state).toEqual(model.state);
      expect(Object.keys(loaded.model.arrays).sort()).toEqual(Object.keys(model.arrays).sort());
      for (const [name, array] of Object.entries(model.arrays)) {
        const back = loaded.model.arrays[name];
        expect(back.constructor).toBe(array.constructor);
        expect(bytesOf(back).equals(bytesOf(array))).toBe(true);
      }
      expect(loaded.manifest).toMatchObject({
        modelType: entry.modelType,
        flavour: entry.flavour,
        runtime: entry.runtime,
        lineage: entry.lineage,
        metrics: entry.metrics,
      });
    });

    it("lists the latest version of each model by name, and all versions of one", async () => {
      expect(await registry.listModels()).toEqual([]);
      await registry.register(request(OTHER, 1));
      await registry.register(request(MODEL, 1));
      await registry.register(request(MODEL, 2));
      await registry.setAlias(MODEL, "champion", 2);
      const models = await registry.listModels();
      expect(models.map((m) => [m.name, m.version, m.aliases])).toEqual([
        [OTHER, 1, []],
        [MODEL, 2, ["champion"]],
      ]);
      const versions = await registry.listVersions(MODEL);
      expect(versions.map((v) => [v.version, v.aliases])).toEqual([
        [1, []],
        [2, ["champion"]],
      ]);
    });

    it("gives concurrent registrations distinct versions", async () => {
      const entries = await Promise.all(
        [1, 2, 3, 4, 5].map((seed) => registry.register(request(MODEL, seed))),
      );
      expect(entries.map((e) => e.version).sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await registry.listVersions(MODEL)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      for (const entry of entries) {
        const loaded = await registry.load(entry);
        expect(loaded.model.state.seed).toBe((entry.evaluation!.confusion as number[][])[0][0]);
      }
    });

    it("leaves no visible version when registration fails", async () => {
      await registry.register(request(MODEL, 1));
      const broken = {
        ...request(MODEL, 2),
        model: { state: {}, arrays: { bad: new BigInt64Array(1) as unknown as TypedArray } },
      };
      await expect(registry.register(broken)).rejects.toThrow();
      expect((await registry.listVersions(MODEL)).map((e) => e.version)).toEqual([1]);
      expect((await registry.resolve(MODEL)).version).toBe(1);
      const next = await registry.register(request(MODEL, 3));
      expect((await registry.resolve(MODEL)).version).toBe(next.version);
    });

    it("refuses to load an artifact whose part was tampered with", async () => {
      const entry = await registry.register(request(MODEL, 1));
      const dir = await artifactDir(entry);
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
      const part = join(dir, manifest.parts[manifest.parts.length - 1].path);
      const bytes = await readFile(part);
      bytes[0] ^= 0x01;
      await writeFile(part, bytes);
      const error = await rejection(registry.load(entry));
      expect(error).toBeInstanceOf(ArtifactIntegrityError);
      expect(error.hint).toBeTruthy();
    });

    it("refuses to load an artifact with a missing part", async () => {
      const entry = await registry.register(request(MODEL, 1));
      const dir = await artifactDir(entry);
      await unlink(join(dir, "state.json"));
      const error = await rejection(registry.load(entry));
      expect(error).toBeInstanceOf(ArtifactIntegrityError);
      expect(error.message).toContain("state.json");
    });

    it("refuses to load an artifact of a future format version", async () => {
      const entry = await registry.register(request(MODEL, 1));
      const file = join(await artifactDir(entry), "manifest.json");
      const manifest = JSON.parse(await readFile(file, "utf8"));
      manifest.formatVersion = 1000;
      await writeFile(file, JSON.stringify(manifest));
      const error = await rejection(registry.load(entry));
      expect(error).toBeInstanceOf(ArtifactIntegrityError);
      expect(error.message).toMatch(/newer engine/);
    });
  });
}

function bytesOf(array: TypedArray): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
