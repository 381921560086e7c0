// workerd's probe worker: scripts/test-runtimes.mjs bundles it with esbuild and serves it next to
// the deployable worker, the kernels arriving as a wasm module binding as they do there.
import kernels from "./kernels.wasm";
import { edgeProbe } from "../../dist/test/runtimes/probe-portable.js";

export default {
  async fetch() {
    return Response.json(await edgeProbe(kernels));
  },
};
