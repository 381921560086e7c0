// Browser side of scripts/test-browser.mjs. Loaded as /_test/run.html?file=NAME.js it imports one
// bundled uvu test file and records what uvu prints; ?probe runs the cross-runtime probe instead
// (?probe&threads=N&cores=M asks tfjs-backend-wasm for N threads on a page that reports M cores).
// The harness polls window.mlleaksTest.done, then reads output / probe / error.
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { fetchDataSource } from "../../src/adapters/browser/dataset-source.js";
import { runProbe, type ProbeResult } from "../runtimes/probe.js";

interface BrowserTestState {
  done: boolean;
  output: string;
  probe?: ProbeResult;
  error?: string;
}

const state: BrowserTestState = { done: false, output: "" };
(globalThis as { mlleaksTest?: BrowserTestState }).mlleaksTest = state;

const params = new URLSearchParams(location.search);
const file = params.get("file");

if (file !== null) {
  // uvu writes through console.log in browsers and ends with "Duration: ...".
  const log = console.log.bind(console);
  console.log = (...parts: unknown[]) => {
    const text = parts.map(String).join(" ");
    state.output += text;
    log(...parts);
    if (/Duration:/.test(text)) state.done = true;
  };
  // Tests that start tfjs-backend-wasm find its binaries where the page's server publishes them;
  // the test bundles share this module instance with the runner (one chunk).
  setWasmPaths(new URL("/wasm/", location.href).href);
  // A computed URL, so the bundler leaves this import to run time.
  const url = new URL(file, location.href).href;
  import(url).catch((error: unknown) => {
    state.error = `cannot load ${file}: ${String(error)}`;
    state.done = true;
  });
} else if (params.has("probe")) {
  // The page's own server publishes the datasets and the tfjs-backend-wasm binaries (dist/web).
  const threads = params.get("threads");
  // tfjs-backend-wasm's native code caps threads at half the logical cores, so on a 2-core machine
  // asking for 2 gives 1. ?cores=N makes the page report N cores, so the test can run 2 threads.
  const cores = params.get("cores");
  if (cores) Object.defineProperty(Navigator.prototype, "hardwareConcurrency", { get: () => Number(cores), configurable: true });
  runProbe({
    source: fetchDataSource(new URL("/datasets/", location.href)),
    backend: { wasmPaths: new URL("/wasm/", location.href).href, ...(threads ? { threads: Number(threads) } : {}) },
  })
    .then((probe) => (state.probe = probe))
    .catch((error: unknown) => (state.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error)))
    .finally(() => (state.done = true));
} else {
  state.error = "run.html needs ?file=NAME.js or ?probe";
  state.done = true;
}
