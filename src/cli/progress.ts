import type { SingleBar } from "cli-progress";
import type { ProgressListener } from "../core/data-access.ts";

/**
 * Progress on a terminal: one bar per phase (a counter when the total is unknown). Returns no
 * listener when stderr is not a TTY, so piped and CI runs stay quiet.
 */
export async function terminalProgress(
  enabled: boolean,
): Promise<{ listener?: ProgressListener; stop: () => void }> {
  if (!enabled || !process.stderr.isTTY) return { stop: () => {} };
  // Loaded here, not at the top: only runs on a terminal draw bars, and the import (~15 ms)
  // would otherwise be paid by every command's start-up.
  const { default: cliProgress } = await import("cli-progress");
  let bar: SingleBar | undefined;
  let phase = "";
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const listener: ProgressListener = (event) => {
    if (event.phase !== phase) {
      stop();
      phase = event.phase;
      const format =
        event.total === undefined
          ? `${event.phase.padEnd(10)} {value} rows`
          : `${event.phase.padEnd(10)} [{bar}] {value}/{total}`;
      bar = new cliProgress.SingleBar({
        format,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(event.total ?? 0, 0);
    }
    bar?.update(event.done);
  };
  return { listener, stop };
}
