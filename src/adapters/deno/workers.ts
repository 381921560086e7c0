// Training workers on Deno: its Web Workers (module workers), as in browsers.
import { webWorkers } from "../browser/workers.js";

export const denoWorkers = webWorkers(new URL("../browser/training-worker.js", import.meta.url));
