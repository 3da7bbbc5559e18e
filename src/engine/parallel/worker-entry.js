// Worker threads do not inherit the CLI's tsx loader: register it here, then load the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./predict-worker.ts");
