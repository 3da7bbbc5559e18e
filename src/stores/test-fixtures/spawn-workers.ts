/**
 * Runs worker scripts in separate Node processes (TypeScript via tsx) and releases them at the
 * same moment: each prints "ready" once set up, then waits for "go" on stdin, so their writes
 * really overlap instead of running one after another.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Resolves with each worker's stdout (after "ready"); rejects if any exits non-zero. */
export async function runWorkers(script: string, argLists: readonly string[][]): Promise<string[]> {
  const children = argLists.map((args) =>
    spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const outputs = children.map(() => "");
  const errors = children.map(() => "");
  const ready = children.map(
    (child, index) =>
      new Promise<void>((resolve, reject) => {
        child.stdout?.setEncoding("utf8");
        child.stderr?.setEncoding("utf8");
        child.stdout?.on("data", (chunk: string) => {
          outputs[index] += chunk;
          if (outputs[index].includes("ready\n")) resolve();
        });
        child.stderr?.on("data", (chunk: string) => {
          errors[index] += chunk;
        });
        child.on("exit", () =>
          reject(new Error(`worker ${index} exited before it was ready:\n${errors[index]}`)),
        );
      }),
  );
  const exited = children.map((child, index) => exitOf(child, index, errors));
  try {
    await Promise.all(ready);
  } catch (error) {
    for (const child of children) child.kill();
    await Promise.allSettled(exited);
    throw error;
  }
  for (const child of children) child.stdin?.end("go\n");
  await Promise.all(exited);
  return outputs.map((output) => output.slice(output.indexOf("ready\n") + "ready\n".length));
}

function exitOf(child: ChildProcess, index: number, errors: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`worker ${index} failed (${signal ?? `exit code ${code}`}):\n${errors[index]}`));
    });
  });
}

/** In a worker: announce readiness and wait for the parent's "go". */
export async function waitForGo(): Promise<void> {
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    process.stdin.setEncoding("utf8");
    let input = "";
    process.stdin.on("data", (chunk: string) => {
      input += chunk;
      if (input.includes("go")) {
        process.stdin.pause();
        resolve();
      }
    });
  });
}
