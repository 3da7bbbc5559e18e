/**
 * Shape check for `manifest.json` when an artifact is read back. Objects are loose (unknown keys
 * kept) so fields added within the same format version do not get stripped; what the engine
 * relies on is checked strictly.
 */
import { z } from "zod";
import type { ArtifactManifest } from "../core/artifact-types.ts";
import { ColumnSpec } from "../data/metadata.ts";

const Lineage = z.looseObject({
  setupName: z.string(),
  setupVersion: z.number(),
  datasetName: z.string(),
  datasetVersion: z.number(),
  datasetFingerprint: z.string(),
  engineVersion: z.string(),
  createdAt: z.string(),
});

const ArtifactPart = z.looseObject({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits"),
  bytes: z.int().min(0),
  dtype: z.string().optional(),
  length: z.int().min(0).optional(),
  name: z.string().optional(),
});

/** Format-1 manifest. */
export const ArtifactManifestSchema = z.looseObject({
  formatVersion: z.int(),
  modelType: z.string().min(1),
  flavour: z.string().min(1),
  runtime: z.string().min(1),
  runtimeVersions: z.record(z.string(), z.string()).optional(),
  setup: z.record(z.string(), z.json()),
  signature: z.array(ColumnSpec),
  target: ColumnSpec.optional(),
  input: z.looseObject({ missingValues: z.array(z.string()), id: ColumnSpec.optional() }),
  lineage: Lineage,
  metrics: z.record(z.string(), z.number()),
  parts: z.array(ArtifactPart),
});

/** Parses a manifest; on failure returns the first problem as `field: message`. */
export function parseManifest(
  value: unknown,
): { ok: true; manifest: ArtifactManifest } | { ok: false; field: string; message: string } {
  const result = ArtifactManifestSchema.safeParse(value);
  if (result.success) return { ok: true, manifest: result.data as ArtifactManifest };
  const issue = result.error.issues[0];
  return { ok: false, field: issue.path.map(String).join("."), message: issue.message };
}
