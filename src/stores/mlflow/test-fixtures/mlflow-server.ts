/**
 * Starts a real `mlflow server` for tests: a free loopback port, a temporary SQLite backend
 * store and artifact folder, the artifact proxy on. `stop()` ends the server's whole process
 * group and removes the folder; an exit hook does the same if a test run dies first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { workerCommand } from "../../../runtimes/python/interpreter.ts";

/** A running test server. */
export interface MlflowTestServer {
  /** `http://127.0.0.1:<port>` */
  uri: string;
  /** Where the proxy stores artifacts (`--artifacts-destination`). */
  artifactsDir: string;
  stop: () => Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const running = new Set<ChildProcess>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group (the server's uvicorn and job workers too).
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** Starts `mlflow server` and waits (up to `startTimeoutMs`) until `/health` answers. */
export async function startMlflowServer(startTimeoutMs = 180_000): Promise<MlflowTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "mpipe-mlflow-server-"));
  const artifactsDir = path.join(dir, "artifacts");
  const port = await freePort();
  const { command, env } = workerCommand();
  const child = spawn(
    command,
    [
      "-m",
      "mlflow",
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
      "--backend-store-uri",
      `sqlite:///${path.join(dir, "mlflow.db")}`,
      "--artifacts-destination",
      artifactsDir,
      "--serve-artifacts",
    ],
    {
      cwd: dir,
      // No telemetry (there is no network), and no background job runner (a pool of consumer
      // processes the registry never uses).
      env: {
        ...env,
        MLFLOW_DISABLE_TELEMETRY: "true",
        DO_NOT_TRACK: "true",
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
      },
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    },
  );
  running.add(child);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const c of running) killGroup(c, "SIGKILL");
    });
  }
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  });
  let exited = false;
  const closed = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      resolve();
    }),
  );

  const stop = async (): Promise<void> => {
    if (!exited) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
      await closed;
      clearTimeout(timer);
    }
    // Workers of the group may outlive the leader by a moment.
    killGroup(child, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };

  const uri = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return { uri, artifactsDir, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`mlflow server did not start on ${uri}${exited ? " (it exited)" : ""}:\n${log}`);
}
