// Vercel's Edge Runtime harness: a fetch-event script, bundled by scripts/test-runtimes.mjs and run
// in an EdgeRuntime that may not compile wasm from bytes. As Vercel binds a `.wasm?module` import,
// the host compiles build/kernels.wasm and hands the module in (the global MLLEAKS_KERNELS), with
// the deployment's variables (MLLEAKS_ENV). /_probe answers the portable probe; anything else goes
// to the edge check's worker.
import { createEdgeWorker } from "../../dist/src/edge/worker.js";
import { edgeProbe } from "../../dist/test/runtimes/probe-portable.js";

const worker = createEdgeWorker(globalThis.MLLEAKS_KERNELS);

addEventListener("fetch", (event) => {
  const probe = new URL(event.request.url).pathname === "/_probe";
  event.respondWith(probe ? edgeProbe(globalThis.MLLEAKS_KERNELS).then((result) => Response.json(result)) : worker.fetch(event.request, globalThis.MLLEAKS_ENV));
});
