import { type ChildProcess, spawn } from "node:child_process";
import { RuntimeFailureError, ServiceUnavailableError } from "../../core/errors.ts";
import { INSTALL_HINT, type WorkerCommand } from "./interpreter.ts";
import {
  type Command,
  type CommandMap,
  encodeMessage,
  type HelloResult,
  type Message,
  MessageDecoder,
  PROTOCOL_VERSION,
  ProtocolViolation,
  RESULT_SCHEMAS,
  ReplyEnvelope,
} from "./protocol.ts";
import { engineErrorFromReply, workerErrorReply } from "./worker-errors.ts";

/** A successful reply: the command's typed result and the reply's blobs. */
export interface CallResult<C extends Command> {
  result: CommandMap[C]["result"];
  blobs: Map<string, Uint8Array>;
}

export interface CallOptions {
  /** The worker is killed when no reply arrives in time. */
  timeoutMs: number;
  /** Names the work in error messages, e.g. `fit titanic/sklearn-random-forest`. */
  what?: string;
}

interface Pending {
  id: number;
  cmd: Command;
  what: string;
  resolve: (message: Message) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
}

const STDERR_TAIL_BYTES = 4096;
/** Every live worker of this process, killed when the process exits however it exits. */
const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // `exit` handlers must be synchronous: a signal is all that can be sent. The worker also exits
  // by itself when its stdin closes or its parent disappears, for the cases this cannot cover.
  process.on("exit", () => {
    for (const child of LIVE) child.kill("SIGKILL");
  });
}

/**
 * One Python worker process. It serves one request at a time (the pool sees to that); a crash,
 * a timeout or a malformed reply kills it and fails the request with a RuntimeFailureError that
 * says what happened and shows the end of the worker's stderr.
 */
export class PythonWorker {
  /** Checksums of model states this worker has loaded, as far as the client knows. */
  readonly knownStates = new Set<string>();
  private readonly decoder = new MessageDecoder();
  private pending: Pending | undefined;
  private nextId = 1;
  private stderrTail = "";
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitWaiters: (() => void)[] = [];
  private helloResult: HelloResult | undefined;
  private closed = false;
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: WorkerCommand,
  ) {
    child.stdout!.on("data", (chunk: Buffer) => this.onData(chunk));
    child.stderr!.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    // Writing to a worker that just died raises EPIPE here; the exit handler reports it.
    child.stdin!.on("error", () => {});
    child.on("exit", (code, signal) => {
      this.exited = { code, signal };
      LIVE.delete(child);
    });
    // `close` comes after stdout is drained, so a reply written just before exiting is still read.
    child.on("close", () => this.onClose());
  }

  /**
   * Spawns a worker and waits for its `hello`.
   *
   * @throws ServiceUnavailableError if the interpreter or the runtime package is missing.
   * @throws RuntimeFailureError if it crashes, hangs or answers nonsense while starting.
   */
  static async start(spec: WorkerCommand, startTimeoutMs: number): Promise<PythonWorker> {
    installExitHook();
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ["pipe", "pipe", "pipe"] });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once("spawn", () => resolve(undefined));
      child.once("error", (error) => resolve(error));
    });
    if (spawned) {
      throw new ServiceUnavailableError(
        `cannot start the Python runtime: interpreter "${spec.command}" (from ${spec.source}) ${describeSpawnError(spawned)}`,
        { hint: INSTALL_HINT, cause: spawned },
      );
    }
    LIVE.add(child);
    const worker = new PythonWorker(child, spec);
    try {
      const { result } = await worker.call("hello", {}, {}, { timeoutMs: startTimeoutMs, what: "start" });
      worker.helloResult = result;
      worker.setRef(false);
      return worker;
    } catch (error) {
      worker.kill();
      throw worker.explainStartFailure(error);
    }
  }

  /** The worker's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Versions and flavours the worker reported when it started. */
  get hello(): HelloResult {
    return this.helloResult!;
  }

  /**
   * Sends one command and waits for its reply. Error replies become engine errors (the worker
   * stays usable); a crash, hang or malformed reply kills the worker and rejects.
   */
  async call<C extends Command>(
    cmd: C,
    args: CommandMap[C]["args"],
    blobs: Record<string, Uint8Array>,
    options: CallOptions,
  ): Promise<CallResult<C>> {
    const what = options.what ?? cmd;
    if (!this.alive) throw this.deathError(what);
    if (this.stopping)
      throw new RuntimeFailureError(
        `the Python worker (pid ${this.pid}) is shutting down; "${what}" was not sent`,
      );
    if (this.pending) throw new Error(`Python worker ${this.pid} is busy; the pool must not share it`);
    const id = this.nextId++;
    this.setRef(true);
    try {
      const message = await new Promise<Message>((resolve, reject) => {
        const timer = setTimeout(() => this.onTimeout(), options.timeoutMs);
        this.pending = { id, cmd, what, resolve, reject, timer, timeoutMs: options.timeoutMs };
        for (const part of encodeMessage({ ...args, id, cmd }, blobs)) this.child.stdin!.write(part);
      });
      return this.interpret(cmd, message, what);
    } finally {
      if (this.alive) this.setRef(false);
    }
  }

  /** Asks the worker to exit, and kills it if it has not within `graceMs` (at once if it is busy). */
  async stop(graceMs = 2000): Promise<void> {
    const closed = this.waitForExit();
    if (this.alive && !this.pending && !this.stopping) {
      this.stopping = true;
      this.setRef(true);
      for (const part of encodeMessage({ id: this.nextId++, cmd: "shutdown" })) this.child.stdin!.write(part);
      this.child.stdin!.end();
    } else {
      this.kill();
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  /** Kills the process at once (SIGKILL). */
  kill(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  /** Resolves when the process has exited and its pipes are closed. */
  waitForExit(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private interpret<C extends Command>(cmd: C, message: Message, what: string): CallResult<C> {
    const envelope = ReplyEnvelope.parse(message.header);
    if (!envelope.ok) {
      throw engineErrorFromReply(
        envelope.error ?? { type: "InternalError", message: "failed without saying why" },
        what,
      );
    }
    const result = RESULT_SCHEMAS[cmd].safeParse(message.header);
    if (!result.success) {
      this.kill();
      throw new RuntimeFailureError(
        `the Python worker answered "${what}" with a malformed reply (${result.error.issues[0]?.message})`,
        {
          hint: `The Python package and the engine may be out of step. ${INSTALL_HINT}`,
        },
      );
    }
    return { result: result.data as CommandMap[C]["result"], blobs: message.blobs };
  }

  private onData(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      this.failPending(this.badReply(error instanceof ProtocolViolation ? error.message : String(error)));
      return;
    }
    for (const message of messages) {
      // The answer to `shutdown` needs no handling: the process is on its way out.
      if (this.stopping) continue;
      const pending = this.pending;
      const envelope = ReplyEnvelope.safeParse(message.header);
      if (!envelope.success) {
        const protocol = message.header.protocol;
        this.failPending(
          this.badReply(
            protocol !== PROTOCOL_VERSION
              ? `it speaks protocol ${JSON.stringify(protocol)}, this engine speaks ${PROTOCOL_VERSION}`
              : `the reply envelope is malformed (${envelope.error.issues[0]?.message})`,
          ),
        );
        return;
      }
      if (!pending || envelope.data.id !== pending.id) {
        this.failPending(this.badReply(`it answered request ${envelope.data.id}, which was not asked`));
        return;
      }
      clearTimeout(pending.timer);
      this.pending = undefined;
      pending.resolve(message);
    }
  }

  private onTimeout(): void {
    const pending = this.pending;
    if (!pending) return;
    this.failPending(
      new RuntimeFailureError(
        `the Python worker (pid ${this.pid}) did not finish "${pending.what}" within ${formatSeconds(pending.timeoutMs)}; it was stopped`,
        {
          hint: "Raise the limit with MPIPE_PYTHON_TIMEOUT (seconds), or use fewer rows or a smaller model.",
        },
      ),
    );
  }

  private onClose(): void {
    this.exited ??= { code: this.child.exitCode, signal: this.child.signalCode };
    if (this.pending) this.failPending(this.deathError(this.pending.what));
    this.closed = true;
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }

  /** Rejects the request in flight (if any) and kills the worker: its stream can no longer be trusted. */
  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.kill();
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  private badReply(detail: string): RuntimeFailureError {
    const what = this.pending?.what ?? "a request";
    return new RuntimeFailureError(
      `the Python worker (pid ${this.pid}) answered "${what}" with a malformed message: ${detail}; it was stopped`,
      {
        hint: `Something in the worker wrote to its protocol stream. ${this.stderrHint()}`,
      },
    );
  }

  private deathError(what: string): RuntimeFailureError {
    const how = this.exited?.signal
      ? `was killed by ${this.exited.signal}`
      : `exited with code ${this.exited?.code ?? "unknown"}`;
    return new RuntimeFailureError(`the Python worker (pid ${this.pid}) ${how} while running "${what}"`, {
      hint: this.stderrHint() || "Nothing was written. Run again; if it persists, check memory limits.",
    });
  }

  private stderrHint(): string {
    const tail = this.stderrTail.trim().split("\n").slice(-6).join("\n");
    return tail ? `The worker's last output:\n${tail}` : "";
  }

  private explainStartFailure(error: unknown): Error {
    const who = `interpreter "${this.spec.command}" (from ${this.spec.source})`;
    if (/No module named '?mpipe_runtime/.test(this.stderrTail)) {
      return new ServiceUnavailableError(
        `cannot start the Python runtime: ${who} has no mpipe_runtime package`,
        {
          hint: INSTALL_HINT,
          cause: error,
        },
      );
    }
    const reply = workerErrorReply(error);
    if (reply?.type === "MissingPackage") {
      return new ServiceUnavailableError(`cannot start the Python runtime: ${who} ${reply.message}`, {
        hint: INSTALL_HINT,
        cause: error,
      });
    }
    if (error instanceof RuntimeFailureError) {
      return new RuntimeFailureError(`cannot start the Python runtime with ${who}: ${error.message}`, {
        hint: error.hint ? `${error.hint}\n${INSTALL_HINT}` : INSTALL_HINT,
        cause: error,
      });
    }
    return error as Error;
  }

  /** An idle worker must not keep the CLI alive; a busy one must. */
  private setRef(on: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as ({
      ref?: () => void;
      unref?: () => void;
    } | null)[];
    for (const handle of handles) (on ? handle?.ref : handle?.unref)?.call(handle);
  }
}

function describeSpawnError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "was not found";
  if (code === "EACCES") return "is not executable";
  return `could not be run (${error.message})`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
