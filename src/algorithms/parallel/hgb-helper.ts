/**
 * Helper thread of the histogram gradient-boosting fit: runs its share of the per-row passes
 * (see hist-gradient-boosting-kernels.ts) on the fit's shared workspace, in lockstep with the
 * main thread (see sync-helper.ts). Started through hgb-helper-entry.js.
 */
import { workerData } from "node:worker_threads";
import {
  applyLeaves,
  type BufferMessage,
  computeGradientChunks,
  fillGoesLeft,
  type HgbWorkspace,
  nodeHistogramGroups,
  Op,
  PARTITION_CHUNK,
  partitionTail,
  rootHistogram,
  type WorkspaceMessage,
  workspaceFromMessage,
} from "../hist-gradient-boosting-kernels.ts";
import { type HelperData, serveTasks } from "./sync-helper.ts";

let workspace: HgbWorkspace | null = null;
/** Histograms and leaf tables, by the id the main thread gave them. */
const buffers: Float64Array[] = [];
const goesLeft = new Uint8Array(256);
const sides = new Uint8Array(PARTITION_CHUNK);

function receive(message: unknown): void {
  const m = message as WorkspaceMessage | BufferMessage;
  if (m.kind === "workspace") workspace = workspaceFromMessage(m);
  else buffers[m.id] = new Float64Array(m.buffer);
}

function buffer(id: number): Float64Array {
  const b = buffers[id];
  if (b === undefined) throw new Error(`unknown shared buffer ${id}`);
  return b;
}

function run(op: number, a: Int32Array): number {
  const ws = workspace;
  if (ws === null) throw new Error("no workspace received");
  switch (op) {
    case Op.gradients:
      computeGradientChunks(ws);
      return 0;
    case Op.rootHistogram:
      rootHistogram(ws, buffer(a[0]), a[1], a[2], null);
      return 0;
    case Op.nodeHistogram:
      nodeHistogramGroups(ws, buffer(a[0]), buffer(a[1]), a[2], a[3], a[4]);
      return 0;
    case Op.partitionTail: {
      const [buf, start, end, feature, bin, missingGoesLeft, countLeft] = a;
      fillGoesLeft(goesLeft, bin, missingGoesLeft === 1, ws.missingBin);
      return partitionTail(ws, sides, goesLeft, buf, start, end, feature, countLeft, ws.claims);
    }
    case Op.applyLeaves:
      applyLeaves(ws, buffer(a[0]), a[1], a[2], a[3]);
      return 0;
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

serveTasks(workerData as HelperData, receive, run);
