import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TypedArray } from "../algorithms/matrix.ts";
import type { ArtifactManifest, SerializedModel } from "../core/artifact-types.ts";
import {
  ArtifactIntegrityError,
  ConflictError,
  EngineError,
  NotFoundError,
  UsageError,
} from "../core/errors.ts";
import { readArtifact, writeArtifact } from "./artifact-io.ts";
import { sampleManifest, sampleModel } from "./test-fixtures/sample-artifact.ts";

let base: string;
let dir: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "artifact-io-"));
  dir = join(base, "artifacts", "m", "1");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function bytesOf(array: TypedArray): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

async function editManifest(
  edit: (manifest: ArtifactManifest & Record<string, unknown>) => void,
): Promise<void> {
  const file = join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8"));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

async function expectIntegrityError(pattern: RegExp): Promise<ArtifactIntegrityError> {
  const error = await readArtifact(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactIntegrityError);
  const integrity = error as ArtifactIntegrityError;
  expect(integrity.message).toMatch(pattern);
  expect(integrity.hint).toBeTruthy();
  return integrity;
}

describe("writeArtifact / readArtifact", () => {
  it("round-trips state and every dtype bit for bit", async () => {
    const model = sampleModel(7);
    const written = await writeArtifact(dir, sampleManifest(), model);
    const loaded = await readArtifact(dir);

    expect(loaded.manifest).toEqual(written);
    expect(loaded.model.state).toEqual(model.state);
    expect(Object.keys(loaded.model.arrays)).toEqual(Object.keys(model.arrays));
    for (const [name, array] of Object.entries(model.arrays)) {
      const back = loaded.model.arrays[name];
      expect(back.constructor).toBe(array.constructor);
      expect(back.length).toBe(array.length);
      expect(bytesOf(back).equals(bytesOf(array))).toBe(true);
      expect(back.byteOffset).toBe(0);
    }
  });

  it("writes manifest.json, state.json and arrays/<i>.bin with checksums and array metadata", async () => {
    const written = await writeArtifact(dir, sampleManifest(), sampleModel());
    expect((await readdir(dir)).sort()).toEqual(["arrays", "manifest.json", "state.json"]);
    expect(written.parts[0]).toMatchObject({ path: "state.json" });
    expect(written.parts[1]).toMatchObject({
      path: "arrays/0.bin",
      name: "kernel.centers",
      dtype: "Float64Array",
      length: 6,
      bytes: 48,
    });
    for (const part of written.parts) expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
    const onDisk = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(onDisk).toEqual(written);
    // Raw little-endian bytes.
    const ints = await readFile(join(dir, "arrays/2.bin"));
    expect(ints.readInt32LE(0)).toBe(-2147483648);
  });

  it("leaves no temp folder behind, and refuses to overwrite an existing artifact", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    expect(await readdir(join(base, "artifacts", "m"))).toEqual(["1"]);
    await expect(writeArtifact(dir, sampleManifest(), sampleModel())).rejects.toBeInstanceOf(ConflictError);
    expect(await readdir(join(base, "artifacts", "m"))).toEqual(["1"]);
  });

  it("rejects unsupported arrays and non-JSON state without leaving files", async () => {
    const bad: SerializedModel = {
      state: {},
      arrays: { big: new BigInt64Array(2) as unknown as TypedArray },
    };
    await expect(writeArtifact(dir, sampleManifest(), bad)).rejects.toThrow(/BigInt64Array/);
    const nan: SerializedModel = { state: { threshold: Number.NaN }, arrays: {} };
    await expect(writeArtifact(dir, sampleManifest(), nan)).rejects.toBeInstanceOf(UsageError);
    const metrics = sampleManifest({ metrics: { r2: Number.NaN } });
    await expect(writeArtifact(dir, metrics, sampleModel())).rejects.toThrow(/metrics\.r2/);
    const future = { ...sampleManifest(), formatVersion: 2 };
    await expect(writeArtifact(dir, future, sampleModel())).rejects.toBeInstanceOf(UsageError);
    await mkdir(join(base, "artifacts", "m"), { recursive: true });
    expect(await readdir(join(base, "artifacts", "m"))).toEqual([]);
  });

  it("reports a missing folder as NotFoundError and a missing manifest as ArtifactIntegrityError", async () => {
    await expect(readArtifact(dir)).rejects.toBeInstanceOf(NotFoundError);
    await mkdir(dir, { recursive: true });
    await expectIntegrityError(/no manifest\.json/);
  });

  it("rejects a manifest that is not JSON or is malformed", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await writeFile(join(dir, "manifest.json"), "{ nope");
    await expectIntegrityError(/not valid JSON/);
    await rm(dir, { recursive: true });
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await editManifest((m) => {
      (m.lineage as unknown as Record<string, unknown>).setupVersion = "one";
    });
    const error = await expectIntegrityError(/malformed/);
    expect(error.location?.field).toBe("lineage.setupVersion");
  });

  it("rejects an artifact written by a newer engine, with an upgrade hint", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await editManifest((m) => {
      m.formatVersion = 99;
      m.newFangledField = true;
    });
    const error = await expectIntegrityError(/written by a newer engine/);
    expect(error.hint).toMatch(/[Uu]pgrade/);
  });

  it("rejects a formatVersion that is not a positive integer", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await editManifest((m) => {
      m.formatVersion = 0;
    });
    await expectIntegrityError(/formatVersion/);
  });

  it("detects a tampered part by its checksum, naming the file", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    const file = join(dir, "arrays/0.bin");
    const bytes = await readFile(file);
    bytes[3] ^= 0xff;
    await writeFile(file, bytes);
    const error = await expectIntegrityError(
      /arrays\/0\.bin fails its checksum: expected sha256 [0-9a-f]{64}/,
    );
    expect(error.location?.file).toBe(file);
    expect(error.hint).toMatch(/re-train/);
  });

  it("detects a part with the wrong size, and a missing part", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await writeFile(join(dir, "state.json"), "{}");
    await expectIntegrityError(/state\.json is 2 bytes; the manifest expects \d+/);
    await writeArtifact(join(base, "other"), sampleManifest(), sampleModel());
    dir = join(base, "other");
    await unlink(join(dir, "arrays/1.bin"));
    await expectIntegrityError(/arrays\/1\.bin is missing/);
  });

  it("never constructs a dtype outside the whitelist", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    for (const dtype of ["Function", "constructor", "__proto__", "Buffer", "DataView", "BigInt64Array"]) {
      await editManifest((m) => {
        m.parts[1].dtype = dtype;
      });
      await expectIntegrityError(/has dtype/);
    }
  });

  it("rejects part paths that escape the folder, and inconsistent array sizes", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    const original = await readFile(join(dir, "manifest.json"), "utf8");
    for (const path of ["../1/state.json", "/etc/passwd", "arrays/../state.json", ".hidden"]) {
      await editManifest((m) => {
        m.parts[1].path = path;
      });
      await expectIntegrityError(/not a plain relative path/);
      await writeFile(join(dir, "manifest.json"), original);
    }
    await editManifest((m) => {
      m.parts[1].length = 7;
    });
    await expectIntegrityError(/needs 56/);
  });

  it("keeps an array named __proto__ as an own property", async () => {
    const arrays = Object.fromEntries([["__proto__", Float64Array.from([1, 2])]]) as Record<
      string,
      TypedArray
    >;
    await writeArtifact(dir, sampleManifest(), { state: {}, arrays });
    const loaded = await readArtifact(dir);
    expect(Object.hasOwn(loaded.model.arrays, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(loaded.model.arrays)).toBe(Object.prototype);
  });

  it("raises only EngineErrors for damaged artifacts (no raw exceptions)", async () => {
    await writeArtifact(dir, sampleManifest(), sampleModel());
    await writeFile(join(dir, "manifest.json"), "[]");
    await expect(readArtifact(dir)).rejects.toBeInstanceOf(EngineError);
    await writeFile(join(dir, "manifest.json"), "null");
    await expect(readArtifact(dir)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });
});
