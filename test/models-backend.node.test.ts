// initModelBackend(): tfjs-backend-wasm with SIMD, no path set-up in Node; and when the wasm binary
// cannot load, an error instead of tfjs's silent fallback to the ~190x slower cpu backend. Node-only:
// the failing start needs a fresh process (a backend starts once per process).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initModelBackend } from "../src/models/index.js";

const backend = suite("models: tfjs-backend-wasm set-up");
const backendModule = fileURLToPath(new URL("../src/models/backend.js", import.meta.url));

backend("starts wasm with SIMD and records threads", async () => {
  const info = await initModelBackend();
  assert.is(info.backend, "wasm");
  assert.is(info.simd, true);
  assert.ok(info.threads >= 1);
  assert.is(info.tfjsVersion, "4.22.0");
});

backend("a wasm binary that cannot load is an error, never a silent cpu fallback", () => {
  const script = `
    const { initModelBackend } = await import(${JSON.stringify(backendModule)});
    const tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-cpu");
    try {
      await initModelBackend({ wasmPaths: "/nonexistent/" });
      console.log("STARTED " + tf.getBackend());
    } catch (error) {
      console.log("ERROR " + error.message);
    }`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000, cwd: fileURLToPath(new URL("../../", import.meta.url)) });
  const line = result.stdout.split("\n").find((l) => l.startsWith("ERROR") || l.startsWith("STARTED"));
  assert.ok(line?.startsWith("ERROR"), `expected an error, got: ${result.stdout}${result.stderr}`);
  assert.match(line!, /tfjs-backend-wasm failed to start/);
  assert.match(line!, /nonexistent/);
});

backend.run();
