// Browser side of scripts/test-browser.mjs. Loaded as /_test/run.html?file=NAME.js it imports one
// bundled uvu test file and records what uvu prints; ?probe runs the cross-runtime probe instead.
// The harness polls window.mlleaksTest.done, then reads output / probe / error.
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
  // A computed URL, so the bundler leaves this import to run time.
  const url = new URL(file, location.href).href;
  import(url).catch((error: unknown) => {
    state.error = `cannot load ${file}: ${String(error)}`;
    state.done = true;
  });
} else if (params.has("probe")) {
  runProbe()
    .then((probe) => (state.probe = probe))
    .catch((error: unknown) => (state.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error)))
    .finally(() => (state.done = true));
} else {
  state.error = "run.html needs ?file=NAME.js or ?probe";
  state.done = true;
}
