// npm run test:runtimes: the determinism matrix, runtime x (PRNG, kernels, posteriors-only report,
// training weights, short-audit fingerprint), in Node, Deno, Bun, workerd, Edge Runtime and Chromium.
// Every cell is the hash of a deterministic computation (test/runtimes/probe.ts) compared with the
// same computation in this Node process. A cell a runtime cannot run is printed as "n/a" with the
// reason. Then the edge check itself: workerd (the deployable bundle from deploy/workerd/) and
// Edge Runtime answer the shared request set (test/runtimes/edge-requests.ts) with the same status
// and bytes as the Node adapter; the deployable config's body limit is what README documents; Bun
// runs the kernel and edge test files. Needs `npm run build` and Debian's chromium.
// Ends with one line: "N passed, N failed" (and a non-zero exit on any failure).
import { request as httpRequest } from "node:http";
import * as esbuild from "esbuild";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { buildWorker, kernelsWasm, workerBundle, workerDir } from "./build-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const dist = (path) => import(pathToFileURL(join(root, "dist", path)).href);
const run = promisify(execFile);
const START_TIMEOUT_MS = 60_000;
const COMPATIBILITY_DATE = "2025-09-01";

const CELLS = [
  { name: "PRNG", keys: ["pcg32"] },
  { name: "kernels", keys: ["kernels"] },
  { name: "posteriors-only report", keys: ["posteriorsReport"] },
  { name: "output defences (memguard, hamp)", keys: ["outputDefences"] },
  { name: "label-only boundary search", keys: ["boundary"] },
  { name: "training weights", keys: ["tfjs-mlp-weights", "tfjs-mlp-posteriors", "fused-mlp-weights", "fused-mlp-posteriors"] },
  { name: "short-audit fingerprint", keys: ["auditFingerprint"] },
];
// Why the edge runtimes run only the first five cells (their probe is probe-portable.ts).
const EDGE_NOT_RUN = {
  "training weights":
    "training runs tfjs on tfjs-backend-wasm, whose .wasm is fetched and compiled from bytes at run time, which this runtime refuses (see its compileFromBytes fact); a training run also takes seconds of CPU, far past an edge function's budget",
  "short-audit fingerprint": "the audit trains target and shadow models (see training weights) on a bundled dataset read from files, which an edge function does not have",
};

let passed = 0;
let failed = 0;
let notRun = 0;
function report(ok, label, detail = "") {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${label}${detail ? `  ${detail}` : ""}\n`);
}
function notRunnable(label, reason) {
  notRun++;
  process.stdout.write(`n/a  ${label}  (${reason})\n`);
}
const short = (hash) => String(hash).slice(0, 16);
const started = Date.now();
const elapsed = () => `[${((Date.now() - started) / 1000).toFixed(0)} s]`;

/** `n` distinct free TCP ports on 127.0.0.1 (for workerd, which takes its addresses from its config). */
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Waits until `url` answers at all (the server is up), or fails after START_TIMEOUT_MS. */
async function waitUntilUp(url, describe) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${describe()} did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s (${error.message})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Starts workerd on `config` (a path), returns { stop, log }; the log holds what it printed. */
function startWorkerd(config, args = []) {
  const child = spawn(bin("workerd"), ["serve", config, ...args], { cwd: dirname(config), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
}

/** Runs a probe CLI (node, deno, bun) and parses its last line. */
async function probeProcess(cmd, args) {
  const { stdout } = await run(cmd, args, { cwd: root, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: "1" } });
  return JSON.parse(stdout.trim().split("\n").pop());
}

async function chromiumProbe() {
  const dir = mkdtempSync(join(tmpdir(), "mlleaks-chromium-probe-"));
  const out = join(dir, "probe.json");
  try {
    const result = await run(process.execPath, [join(root, "scripts", "test-browser.mjs"), "--only", "probe", "--probe-out", out], { cwd: root, maxBuffer: 1 << 24 }).catch((error) => error);
    try {
      return JSON.parse(readFileSync(out, "utf8"));
    } catch {
      throw new Error(`the Chromium probe wrote no result:\n${String(result.stdout ?? "") + String(result.stderr ?? "")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One runtime's row of the matrix against the reference hashes. */
function matrixRow(name, probe, reference, notRunReasons = {}) {
  console.log(`\n${elapsed()} ${name}: ${probe.runtime}${probe.facts ? ` ${JSON.stringify(probe.facts)}` : ""}`);
  for (const cell of CELLS) {
    const label = `${name} x ${cell.name}`;
    if (cell.keys.every((key) => probe.hashes[key] === undefined) && notRunReasons[cell.name]) {
      notRunnable(label, `not run in ${name}: ${notRunReasons[cell.name]}`);
      continue;
    }
    const wrong = cell.keys.filter((key) => probe.hashes[key] !== reference.hashes[key]);
    report(
      wrong.length === 0,
      label,
      wrong.length === 0
        ? cell.keys.map((key) => `${key} ${short(probe.hashes[key])}`).join(", ")
        : wrong.map((key) => `${key}: ${name} ${probe.hashes[key] ?? "missing"}, node ${reference.hashes[key]}`).join("; "),
    );
  }
}

/** The shared request set against `url`, every answer byte for byte equal to the Node adapter's. */
async function compareEdgeAnswers(name, url, nodeUrl, cases, sendEdgeCase) {
  for (const c of cases) {
    const [got, want] = await Promise.all([sendEdgeCase(url, c), sendEdgeCase(nodeUrl, c)]);
    const text = new TextDecoder().decode(got.body);
    const wantText = new TextDecoder().decode(want.body);
    const expected = got.status === c.status && (!c.error || c.error.test(JSON.parse(text).error ?? ""));
    let same = got.status === want.status && got.contentType === want.contentType && text === wantText;
    let detail = `${got.status}, ${got.body.byteLength} bytes == node`;
    if (!same && c.engineMessage && got.status === want.status) {
      // The error quotes the engine's own message after c.engineMessage: equal up to there.
      const prefix = (t) => JSON.parse(t).error.slice(0, c.engineMessage.length);
      same = prefix(text) === c.engineMessage && prefix(wantText) === c.engineMessage;
      detail = `${got.status}, equal up to the engine's own message: ${name} ${JSON.stringify(JSON.parse(text).error)}, node ${JSON.stringify(JSON.parse(wantText).error)}`;
    }
    report(same && expected, `${name} edge: ${c.name}`, same && expected ? detail : `${name} ${got.status} ${text.slice(0, 300)} | node ${want.status} ${wantText.slice(0, 300)}`);
  }
}

const { runProbe } = await dist("test/runtimes/probe.js");
const { bundledDataSource } = await dist("src/adapters/node/dataset-source.js");
const { edgeCases, sendEdgeCase, EDGE_TEST_ENV, EDGE_TEST_LIMITS, posteriorsRequestBody } = await dist("test/runtimes/edge-requests.js");
const { createLeakageHandler } = await dist("src/edge/index.js");
const { serveFetch } = await dist("src/adapters/node/http.js");

const reference = await runProbe({ source: bundledDataSource() });
console.log(`reference: this process, ${reference.runtime}: ${CELLS.flatMap((c) => c.keys).map((k) => `${k} ${short(reference.hashes[k])}`).join(", ")}`);
const nodeServer = await serveFetch(createLeakageHandler(EDGE_TEST_LIMITS), { hostname: "127.0.0.1", port: 0 });
const cases = edgeCases();
const stops = [];

try {
  // Node (a fresh process), Deno and Bun run the whole probe from the tsc output.
  const probeCli = join(root, "dist", "test", "runtimes", "probe-cli.js");
  const processes = [
    ["node", process.execPath, [probeCli]],
    ["deno", bin("deno"), ["run", "-A", "--quiet", probeCli]],
    ["bun", bin("bun"), [probeCli]],
  ];
  const probes = await Promise.allSettled(processes.map(([, cmd, args]) => probeProcess(cmd, args)));
  for (const [i, [name]] of processes.entries()) {
    const result = probes[i];
    if (result.status === "fulfilled") matrixRow(name, result.value, reference);
    else report(false, `${name}: the probe ran`, String(result.reason?.stack ?? result.reason));
  }

  // workerd: the deployable bundle and a probe worker, both with the kernels as a module binding.
  const built = await buildWorker();
  await esbuild.build({ ...workerBundle, entryPoints: [join(root, "test", "runtimes", "workerd-probe.mjs")], outfile: join(built, "probe.js") });
  const [edgePort, probePort, shippedPort] = await freePorts(3);
  const bindings = Object.entries(EDGE_TEST_ENV).map(([name, value]) => `(name = "${name}", text = "${value}")`).join(", ");
  const worker = (main) => `(modules = [(name = "${main}", esModule = embed "${main}"), (name = "kernels.wasm", wasm = embed "kernels.wasm")], compatibilityDate = "${COMPATIBILITY_DATE}"`;
  const testConfig = join(built, "test.capnp");
  writeFileSync(
    testConfig,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "edge", worker = .edge), (name = "probe", worker = .probe)],
  sockets = [
    (name = "edge", address = "127.0.0.1:${edgePort}", http = (), service = "edge"),
    (name = "probe", address = "127.0.0.1:${probePort}", http = (), service = "probe"),
  ],
);
const edge :Workerd.Worker = ${worker("worker.js")}, bindings = [${bindings}]);
const probe :Workerd.Worker = ${worker("probe.js")});
`,
  );
  const workerd = startWorkerd(testConfig);
  stops.push(workerd.stop);
  const edgeUrl = `http://127.0.0.1:${edgePort}/`;
  const probeUrl = `http://127.0.0.1:${probePort}/`;
  try {
    await waitUntilUp(probeUrl, () => `workerd (${workerd.log()})`);
    const workerdProbe = await (await fetch(probeUrl)).json();
    workerdProbe.runtime = `workerd ${(await run(bin("workerd"), ["--version"])).stdout.trim().replace(/^workerd /, "")} (${workerdProbe.runtime})`;
    matrixRow("workerd", workerdProbe, reference, EDGE_NOT_RUN);
    report(workerdProbe.facts.compileFromBytes.startsWith("refused"), "workerd refuses to compile wasm from bytes: the kernels came as a module binding", workerdProbe.facts.compileFromBytes);
    await waitUntilUp(edgeUrl, () => `workerd (${workerd.log()})`);
    await compareEdgeAnswers("workerd", edgeUrl, nodeServer.url, cases, sendEdgeCase);
  } catch (error) {
    report(false, "workerd", `${error.stack ?? error}\n${workerd.log()}`);
  }

  // The deployable config as shipped: its body limit is the documented one; a request within it is
  // answered, one past it gets a 413 that says so.
  const shippedLimit = Number(/MLLEAKS_MAX_BODY_BYTES", text = "(\d+)"/.exec(readFileSync(join(workerDir, "config.capnp"), "utf8"))?.[1]);
  const wranglerLimit = Number(/MLLEAKS_MAX_BODY_BYTES = "(\d+)"/.exec(readFileSync(join(workerDir, "wrangler.toml"), "utf8"))?.[1]);
  report(shippedLimit > 0 && shippedLimit === wranglerLimit, "deploy/workerd: config.capnp and wrangler.toml set the same body limit", `${shippedLimit} and ${wranglerLimit} bytes`);
  const shipped = startWorkerd(join(workerDir, "config.capnp"), ["--socket-addr", `http=127.0.0.1:${shippedPort}`]);
  stops.push(shipped.stop);
  try {
    const url = `http://127.0.0.1:${shippedPort}/`;
    await waitUntilUp(url, () => `workerd with deploy/workerd/config.capnp (${shipped.log()})`);
    const post = (body) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const largest = posteriorsRequestBody(2000, 10);
    const within = await post(largest);
    const withinBody = await within.json();
    report(within.status === 200 && withinBody.attacks.length === 5, "deploy/workerd: 2,000 rows a side of 10 classes (the largest measured within 50 ms of CPU) answered", `${within.status}, ${largest.length} bytes`);
    const over = posteriorsRequestBody(2600, 10);
    // workerd answers 413 from the Content-Length and closes while the body is still being sent:
    // fetch() may then report only the broken upload, so read the early answer with node:http.
    const refused = await postReadingEarlyAnswer(url, over);
    const message = JSON.parse(refused.text).error;
    report(refused.status === 413 && message === `body is ${over.length} bytes, more than the limit of ${shippedLimit}`, "deploy/workerd: 2,600 rows a side refused with a 413 naming the limit", `${refused.status} ${JSON.stringify(message)}`);
  } catch (error) {
    report(false, "deploy/workerd/config.capnp", `${error.stack ?? error}\n${shipped.log()}`);
  }

  // Vercel's Edge Runtime, with wasm code generation off as on Vercel.
  const { EdgeRuntime, runServer } = await import("edge-runtime");
  const edgeScript = await esbuild.build({ ...workerBundle, format: "iife", entryPoints: [join(root, "test", "runtimes", "edge-runtime-entry.mjs")], write: false });
  const kernelsModule = await WebAssembly.compile(readFileSync(kernelsWasm));
  const runtime = new EdgeRuntime({
    initialCode: edgeScript.outputFiles[0].text,
    codeGeneration: { strings: false, wasm: false },
    extend: (context) => Object.assign(context, { MLLEAKS_KERNELS: kernelsModule, MLLEAKS_ENV: EDGE_TEST_ENV }),
  });
  const edgeServer = await runServer({ runtime, host: "127.0.0.1", port: 0 });
  stops.push(() => edgeServer.close());
  try {
    const edgeProbe = await (await fetch(new URL("/_probe", edgeServer.url))).json();
    const { version } = JSON.parse(readFileSync(join(root, "node_modules", "edge-runtime", "package.json"), "utf8"));
    edgeProbe.runtime = `edge-runtime ${version} (${edgeProbe.runtime})`;
    matrixRow("edge-runtime", edgeProbe, reference, EDGE_NOT_RUN);
    report(edgeProbe.facts.compileFromBytes.startsWith("refused"), "edge-runtime refuses to compile wasm from bytes: the kernels came as a module", edgeProbe.facts.compileFromBytes);
    await compareEdgeAnswers("edge-runtime", edgeServer.url, nodeServer.url, cases, sendEdgeCase);
  } catch (error) {
    report(false, "edge-runtime", error.stack ?? String(error));
  }

  // Bun: the kernel suite and the edge tests, as uvu files.
  console.log(`\n${elapsed()} bun: test files`);
  for (const file of ["random", "kernels-normal", "kernels-posteriors", "kernels-roc", "models-kernels", "edge", "runtimes-edge-serve"]) {
    const path = join(root, "dist", "test", `${file}.test.js`);
    const result = await run(bin("bun"), [path], { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } }).catch((error) => error);
    const out = String(result.stdout ?? "") + String(result.stderr ?? "");
    const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
    report(result.code === undefined && total > 0 && ok === total, `bun dist/test/${file}.test.js`, `(${ok}/${total})${ok === total && total > 0 ? "" : `\n${out}`}`);
  }

  // Chromium: the page's probe, through the browser suite's harness.
  console.log(`\n${elapsed()} chromium: building the page and the tests, starting the browser`);
  try {
    matrixRow("chromium", await chromiumProbe(), reference);
  } catch (error) {
    report(false, "chromium: the probe ran", error.stack ?? String(error));
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await nodeServer.close();
  rmSync(join(workerDir, "dist", "test.capnp"), { force: true });
  rmSync(join(workerDir, "dist", "probe.js"), { force: true });
}
console.log(`\n${elapsed()} done`);
if (notRun > 0) console.log(`${notRun} cells not runnable in their runtime (the reasons are above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

/** POST a body and resolve with the answer even when the server answers (and closes) mid-upload. */
function postReadingEarlyAnswer(url, body) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      answered = true;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode, text }));
      response.on("error", reject);
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.end(body);
  });
}
