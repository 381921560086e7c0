// The edge check as a worker (src/edge/worker.ts), the form workerd and Edge Runtime run: kernels
// from a precompiled module, limits from the deployment's variables, bad variables named.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createEdgeWorker, limitsFromEnv } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { kernelsWasmBase64 } from "../src/kernels/wasm-bytes.generated.js";

const worker = suite("edge worker");
// What a module binding holds: the kernels compiled by the host.
const kernels = await WebAssembly.compile(Uint8Array.from(atob(kernelsWasmBase64), (c) => c.charCodeAt(0)));

const post = (body: unknown) => new Request("http://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const twoRows = { members: { posteriors: [[0.9, 0.1], [0.2, 0.8]] }, nonMembers: { posteriors: [[0.6, 0.4], [0.3, 0.7]] }, attacks: ["adversary-3-max"] };

worker("limits come from the variables; missing ones keep the defaults", () => {
  assert.equal(limitsFromEnv({}), {});
  assert.equal(limitsFromEnv({ MLLEAKS_MAX_BODY_BYTES: "1048576", MLLEAKS_MAX_ROWS: "2500", MLLEAKS_MAX_CLASSES: "100" }), { maxBodyBytes: 1048576, maxRows: 2500, maxClasses: 100 });
  for (const bad of ["", "abc", "0", "-5", "1.5", "1e6", "99999999999999999999"]) {
    assert.throws(() => limitsFromEnv({ MLLEAKS_MAX_ROWS: bad }), (e: Error) => e.message.includes("MLLEAKS_MAX_ROWS") && e.message.includes("positive whole number"), bad);
  }
});

worker("answers with kernels from the module, within the deployment's limits", async () => {
  const fetch = createEdgeWorker(kernels).fetch;
  const ok = await fetch(post(twoRows), {});
  assert.is(ok.status, 200);
  assert.is(((await ok.json()) as { attacks: Array<{ auc: number }> }).attacks[0]!.auc, 1);
  const limited = createEdgeWorker(kernels);
  const refused = await limited.fetch(post(twoRows), { MLLEAKS_MAX_ROWS: "1" });
  assert.is(refused.status, 422);
  assert.match(((await refused.json()) as { error: string }).error, /2 rows, more than the limit of 1/);
});

worker("a bad variable is a 500 naming it, not a crash", async () => {
  const response = await createEdgeWorker(kernels).fetch(post(twoRows), { MLLEAKS_MAX_BODY_BYTES: "1 MiB" });
  assert.is(response.status, 500);
  assert.match(((await response.json()) as { error: string }).error, /MLLEAKS_MAX_BODY_BYTES is "1 MiB": expected a positive whole number/);
});

worker("initKernels refuses what is not the kernels' module", async () => {
  for (const [module, pattern] of [
    [{}, /got \[object Object\]/],
    [await WebAssembly.compile(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)), /without the kernels' exports/],
  ] as const) {
    try {
      await initKernels({ module: module as WebAssembly.Module });
      assert.unreachable("accepted");
    } catch (error) {
      assert.instance(error, TypeError);
      assert.match((error as Error).message, pattern);
    }
  }
});

worker.run();
