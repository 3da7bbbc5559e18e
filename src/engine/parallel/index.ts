export { type ThreadExecutorOptions, ThreadPredictExecutor } from "./thread-executor.ts";
