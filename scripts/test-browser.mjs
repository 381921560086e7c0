// npm run test:browser: the Chromium suite. Needs Debian's chromium (/usr/bin/chromium; .ci/run
// installs it) and `npm run build`. Serves dist/web and the bundled tests from 127.0.0.1 with
// COOP/COEP, drives headless Chromium through playwright-core (never a downloaded browser), and:
//   1. runs every portable uvu test file in a page (Node-only ones are listed as skipped);
//   2. runs the cross-runtime probe in the page and in this Node process: every hash must match;
//   3. clicks through the audit page like a user, checks its fingerprints against Node's, and
//      saves screenshots in test-output/;
//   4. renders report.html of a real small audit (three defences), checks that no two chart labels
//      overlap and that it opens on the verdict, and saves test-output/report.png;
// Any request the pages make outside the server's origin fails the run.
// Prints one closing line: "chromium: N passed, N failed".
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBrowserTests, buildWeb, browserTestOut, webOut } from "./build-web.mjs";
import { startWebServer } from "./web-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Exactly the flags this machine needs: no sandbox as root, no GPU, and no background traffic to
// hosts the closed network refuses.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TEST_TIMEOUT_MS = 10 * 60 * 1000;
// --only tests|probe|page runs one part (for iterating); the default runs all three.
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && !["tests", "probe", "page", "report"].includes(only)) {
  console.error(`test:browser: --only expects tests, probe, page or report, got ${only}`);
  process.exit(2);
}
const part = (name) => only === undefined || only === name;
// --probe-out FILE writes the page's probe result there (npm run test:runtimes reads it).
const probeOutAt = process.argv.indexOf("--probe-out");
const probeOut = probeOutAt >= 0 ? process.argv[probeOutAt + 1] : undefined;

if (!existsSync(CHROMIUM)) {
  console.error(`test:browser: ${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
function report(ok, label, detail = "") {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${label}${detail ? `  ${detail}` : ""}\n`);
}
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");

const tests = await buildBrowserTests();
await buildWeb();
const { url: origin, server, requests } = await startWebServer({ mounts: { "/_test/": browserTestOut, "/": webOut } });
const userDataDir = mkdtempSync(join(tmpdir(), "mlleaks-chromium-"));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  ignoreDefaultArgs: true,
  // playwright-core talks to the browser over --remote-debugging-pipe; without a page to open,
  // --no-startup-window keeps Chromium from opening a default tab.
  args: [...FLAGS, `--user-data-dir=${userDataDir}`, "--remote-debugging-pipe", "--no-startup-window"],
});
const context = await browser.newContext();
const foreign = [];
context.on("request", (request) => {
  const url = request.url();
  if (!url.startsWith(origin) && !url.startsWith("blob:") && !url.startsWith("data:")) foreign.push(url);
});

/** Opens path on the server, waits for window.mlleaksTest.done, returns the state and page errors. */
async function runInPage(path) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await page.goto(origin + path);
    await page.waitForFunction(() => globalThis.mlleaksTest?.done === true, null, { timeout: TEST_TIMEOUT_MS, polling: 100 });
    const state = await page.evaluate(() => globalThis.mlleaksTest);
    return { ...state, errors };
  } finally {
    await page.close();
  }
}

const outputDir = join(root, "test-output");

/** Seeded softmax posteriors with labels, as CSV: members peakier than non-members. */
function posteriorCsv(rng, rows, classes, peak) {
  const lines = [[...Array.from({ length: classes }, (_, c) => `p${c}`), "label"].join(",")];
  const u = rng.fillFloat64(rows * (classes + 1));
  for (let r = 0; r < rows; r++) {
    const at = r * (classes + 1);
    const label = Math.floor(u[at] * classes);
    const logits = Array.from({ length: classes }, (_, c) => 2 * u[at + 1 + c] + (c === label ? 4 * peak * u[at] : 0));
    const max = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    lines.push([...e.map((x) => (x / sum).toFixed(6)), label].join(","));
  }
  return lines.join("\n") + "\n";
}

/** The short audit of the probe, run by clicking through the page's dataset form. */
async function testDatasetAudit(page, nodeFingerprint, shortAudit) {
  await page.selectOption("#dataset", shortAudit.dataset);
  await page.fill("#epochs", String(shortAudit.epochs));
  await page.fill("#part-size", String(shortAudit.partSize));
  await page.fill("#seed", String(shortAudit.seed));
  await page.click("#run-audit");
  // Mid-way: the progress bar moves and says what it is doing.
  await page.waitForFunction(() => Number(document.getElementById("progress")?.getAttribute("value") ?? document.getElementById("progress")?.value) > 0.05, null, { timeout: TEST_TIMEOUT_MS });
  const midway = await page.textContent("#status");
  await page.screenshot({ path: join(outputDir, "page-audit-progress.png"), fullPage: true });
  await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
  const error = await page.evaluate(() => (document.body.dataset.state === "error" ? document.getElementById("error-panel")?.textContent : ""));
  const fingerprint = await page.textContent("#fingerprint").catch(() => null);
  const facts = await page.textContent("#facts").catch(() => "");
  const rows = await page.locator("#summary tbody tr[data-attack]").count();
  await page.screenshot({ path: join(outputDir, "page-audit.png"), fullPage: true });
  report(!error && rows > 0, "page: bundled-dataset audit (digits) with a progress bar", error || `${rows} attack rows; mid-way: ${JSON.stringify(midway)}`);
  report(fingerprint === nodeFingerprint, "page: audit fingerprint == node", fingerprint === nodeFingerprint ? `${nodeFingerprint.slice(0, 16)} (${/wasmThreads \d+/.exec(facts ?? "")?.[0] ?? "threads ?"})` : `page ${fingerprint} node ${nodeFingerprint}`);
}

/** The own-model audit's options: small, so the test is quick; the Node library runs the same. */
const OWN_MODEL_AUDIT = { model: "digits-mlp", seed: 3, epochs: 20, attackEpochs: 5, shadows: 2 };
const RESPONSIVENESS_CLICKS = 3;
// Epochs enough that the shadows are still training after the clicks and the Cancel, however slow
// this machine; the audit is cancelled, never run to its end.
const RESPONSIVENESS_EPOCHS = 500;

/**
 * Your own model on the page: the ONNX fixture and its members / non-members / population .npz,
 * audited in the tab with the shadows training in Web Workers; the fingerprint must equal the
 * library's (auditModel in this Node process, models trained one after another in this thread).
 */
async function testOwnModelAudit(page, dist) {
  const { openOnnxModel } = await dist("targets/onnx.js");
  const { readRecords, toLabeledData } = await dist("records/index.js");
  const { auditModel } = await dist("audit-model.js");
  const { DEFAULT_MODEL_ATTACKS } = await dist("audit.js");
  const { fingerprintReport } = await dist("report/json.js");
  const { model, seed, epochs, attackEpochs, shadows } = OWN_MODEL_AUDIT;
  const fixtures = join(root, "test", "fixtures", "models");
  const files = { model: join(fixtures, `${model}.onnx`), members: join(fixtures, `${model}.members.npz`), nonmembers: join(fixtures, `${model}.nonmembers.npz`), population: join(fixtures, `${model}.population.npz`) };
  const target = await openOnnxModel(new Uint8Array(readFileSync(files.model)), `${model}.onnx`);
  let nodeFingerprint;
  try {
    const records = async (path) => toLabeledData(await readRecords(new Uint8Array(readFileSync(path)), path.split("/").pop()), target.numClasses);
    const nodeReport = await auditModel({
      target,
      members: await records(files.members),
      nonMembers: await records(files.nonmembers),
      population: await records(files.population),
      seed,
      attacks: [...DEFAULT_MODEL_ATTACKS],
      epochs,
      attackEpochs,
      shadows,
    });
    nodeFingerprint = await fingerprintReport(nodeReport);
  } finally {
    await target.dispose();
  }

  await page.setInputFiles("#model-files", files.model);
  await page.setInputFiles("#model-members-file", files.members);
  await page.setInputFiles("#model-nonmembers-file", files.nonmembers);
  await page.setInputFiles("#model-population-file", files.population);
  await page.fill("#model-epochs", String(epochs));
  await page.fill("#model-attack-epochs", String(attackEpochs));
  await page.fill("#model-shadows", String(shadows));
  await page.fill("#model-seed", String(seed));
  await page.click("#run-model");
  await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
  const error = await page.evaluate(() => (document.body.dataset.state === "error" ? document.getElementById("error-panel")?.textContent : ""));
  const fingerprint = await page.textContent("#fingerprint").catch(() => null);
  const facts = (await page.textContent("#facts").catch(() => "")) ?? "";
  const rows = await page.locator("#summary tbody tr[data-attack]").count();
  await page.screenshot({ path: join(outputDir, "page-own-model.png"), fullPage: true });
  report(!error && rows > 0, "page: own model (ONNX + members/non-members/population .npz) audited in the tab", error || `${rows} attack rows`);
  report(fingerprint === nodeFingerprint, "page: own-model fingerprint == node library (auditModel)", fingerprint === nodeFingerprint ? `${nodeFingerprint.slice(0, 16)} (${/trainingWorkers \d+/.exec(facts)?.[0] ?? "workers ?"})` : `page ${fingerprint} node ${nodeFingerprint}`);
  const workers = Number(/trainingWorkers (\d+)/.exec(facts)?.[1] ?? 0);
  report(workers >= 1 && requests.includes("/training-worker.js"), "page: models trained in Web Workers", `${workers} workers; training-worker.js ${requests.includes("/training-worker.js") ? "loaded" : "never loaded"}`);
}

/**
 * A tfjs LayersModel folder (model.json + weights.bin, as model.save writes them, trained here on the
 * fixture's members) dropped on the page: its fingerprint must equal the Node library's, shadows
 * rebuilt from its topology (kind "layers") and trained in the page's workers.
 */
async function testTfjsModelAudit(page, dist) {
  const tf = await dist("models/tfjs/tf.js");
  const { initModelBackend } = await dist("models/backend.js");
  const { runTrainingJob } = await dist("models/parallel.js");
  const { openTfjsModel } = await dist("targets/tfjs.js");
  const { readRecords, toLabeledData } = await dist("records/index.js");
  const { auditModel } = await dist("audit-model.js");
  const { DEFAULT_MODEL_ATTACKS } = await dist("audit.js");
  const { fingerprintReport } = await dist("report/json.js");
  await initModelBackend();
  const fixtures = join(root, "test", "fixtures", "models");
  const npz = (part) => join(fixtures, `digits-mlp.${part}.npz`);
  const records = async (path) => toLabeledData(await readRecords(new Uint8Array(readFileSync(path)), path.split("/").pop()), 10);
  const [members, nonMembers, population] = [await records(npz("members")), await records(npz("nonmembers")), await records(npz("population"))];
  const model = tf.sequential({
    name: "user_mlp",
    layers: [
      tf.layers.dense({ inputShape: [64], units: 32, activation: "relu", kernelInitializer: "zeros", name: "hidden" }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: "zeros", name: "scores" }),
    ],
  });
  const folder = join(outputDir, "tfjs-model");
  mkdirSync(folder, { recursive: true });
  const save = () =>
    model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }] };
        writeFileSync(join(folder, "model.json"), JSON.stringify(json));
        writeFileSync(join(folder, "weights.bin"), new Uint8Array(artifacts.weightData.slice(0)));
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
      }),
    );
  await save();
  const topology = JSON.parse(readFileSync(join(folder, "model.json"), "utf8")).modelTopology;
  const trained = await runTrainingJob({ kind: "layers", spec: { inputShape: [64], numClasses: 10, topology }, data: members, options: { seed: 1, epochs: 20, batchSize: 50, learningRate: 0.01 }, predict: [] });
  model.setWeights(trained.weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  await save();
  model.dispose();
  const options = { seed: 5, epochs: 3, attackEpochs: 3, shadows: 2 };
  const target = await openTfjsModel(new Uint8Array(readFileSync(join(folder, "model.json"))), async (path) => new Uint8Array(readFileSync(join(folder, path))), "model.json");
  let nodeFingerprint;
  try {
    nodeFingerprint = await fingerprintReport(await auditModel({ target, members, nonMembers, population, attacks: [...DEFAULT_MODEL_ATTACKS], ...options }));
  } finally {
    await target.dispose();
  }
  await page.setInputFiles("#model-files", [join(folder, "model.json"), join(folder, "weights.bin")]);
  await page.setInputFiles("#model-members-file", npz("members"));
  await page.setInputFiles("#model-nonmembers-file", npz("nonmembers"));
  await page.setInputFiles("#model-population-file", npz("population"));
  await page.fill("#model-epochs", String(options.epochs));
  await page.fill("#model-attack-epochs", String(options.attackEpochs));
  await page.fill("#model-shadows", String(options.shadows));
  await page.fill("#model-seed", String(options.seed));
  await page.click("#run-model");
  await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
  const error = await page.evaluate(() => (document.body.dataset.state === "error" ? document.getElementById("error-panel")?.textContent : ""));
  const fingerprint = await page.textContent("#fingerprint").catch(() => null);
  report(!error && fingerprint === nodeFingerprint, "page: tfjs model folder (model.json + weights.bin), shadows of its topology in workers, fingerprint == node", error || (fingerprint === nodeFingerprint ? nodeFingerprint.slice(0, 16) : `page ${fingerprint} node ${nodeFingerprint}`));

  // The folder without its weight file: an error naming the missing file.
  await page.setInputFiles("#model-files", [join(folder, "model.json")]);
  await page.click("#run-model");
  await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
  const message = await page.textContent("#error-panel");
  report(/weights\.bin/.test(message ?? ""), "page: a tfjs model.json without its weight file gets an error naming it", JSON.stringify(message));
}

/**
 * While models train in the page's workers, the page answers input: clicks on the page are handled
 * mid-training with frames drawn between them, and Cancel stops the audit at a model count short of
 * all. Counted, not timed: the audit has far more epochs than the clicks can outlast.
 */
async function testResponsiveness(page) {
  const fixtures = join(root, "test", "fixtures", "models");
  await page.setInputFiles("#model-files", join(fixtures, "digits-mlp.onnx"));
  for (const part of ["members", "nonmembers", "population"]) await page.setInputFiles(`#model-${part}-file`, join(fixtures, `digits-mlp.${part}.npz`));
  await page.fill("#model-epochs", String(RESPONSIVENESS_EPOCHS));
  await page.fill("#model-shadows", "2");
  // Frames drawn, and clicks answered, each noted with the page's state and progress at that moment.
  await page.evaluate(() => {
    const probe = { frames: 0, clicks: [] };
    globalThis.responsiveness = probe;
    const tick = () => {
      probe.frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const note = () => probe.clicks.push({ frame: probe.frames, state: document.body.dataset.state, status: document.getElementById("status").textContent });
    document.querySelector("header").addEventListener("click", note);
    document.getElementById("cancel").addEventListener("click", note, { capture: true });
  });
  await page.click("#run-model");
  // Once a model is training (the status names its epoch), click the header a few times, each
  // after the page has drawn two more frames, then Cancel.
  await page.waitForFunction(() => / epoch \d+\/\d+ \(\d+\/\d+\)$/.test(document.getElementById("status")?.textContent ?? "") || document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS, polling: "raf" });
  const heading = await page.locator("header h1").boundingBox();
  for (let i = 0; i < RESPONSIVENESS_CLICKS; i++) {
    const frames = await page.evaluate(() => globalThis.responsiveness.frames);
    await page.waitForFunction((seen) => globalThis.responsiveness.frames >= seen + 2, frames, { timeout: TEST_TIMEOUT_MS, polling: "raf" });
    await page.mouse.click(heading.x + 10, heading.y + heading.height / 2);
  }
  await page.click("#cancel");
  await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
  const state = await page.evaluate(() => document.body.dataset.state);
  const clicks = await page.evaluate(() => globalThis.responsiveness.clicks);
  // Every click answered while models were training, short of all, with frames drawn in between.
  const training = clicks.filter((c) => {
    const m = / (?:epoch \d+\/\d+|trained) \((\d+)\/(\d+)\)$/.exec(c.status ?? "");
    return c.state === "running" && m !== null && Number(m[1]) < Number(m[2]);
  });
  const framesBetween = clicks.slice(1).map((c, i) => c.frame - clicks[i].frame);
  report(
    clicks.length === RESPONSIVENESS_CLICKS + 1 && training.length === clicks.length && framesBetween.every((n) => n >= 2),
    "page: stays responsive while models train in workers (clicks answered mid-training, frames drawn between them)",
    JSON.stringify(clicks.map((c) => ({ frame: c.frame, state: c.state, status: c.status }))),
  );
  report(state === "cancelled" && (await page.textContent("#status")) === "cancelled", "page: Cancel stops an audit while its models train", `state ${state}`);
}

/** The audit page, driven like a user; every fingerprint it shows must equal Node's. */
async function testAuditPage(nodeAuditFingerprint) {
  mkdirSync(outputDir, { recursive: true });
  const dist = (path) => import(pathToFileURL(join(root, "dist", "src", path)).href);
  const { Pcg32, initKernels } = await dist("kernels/index.js");
  const { parsePosteriorFile } = await dist("attacks/posterior-files.js");
  const { auditPosteriors } = await dist("audit-posteriors.js");
  const { fingerprintReport } = await dist("report/json.js");
  await initKernels();

  // Posterior files: written here, dropped into the page, and audited by Node from the same bytes.
  const rng = new Pcg32(7);
  const files = { members: join(outputDir, "members.csv"), nonmembers: join(outputDir, "nonmembers.csv") };
  writeFileSync(files.members, posteriorCsv(rng, 400, 10, 3));
  writeFileSync(files.nonmembers, posteriorCsv(rng, 400, 10, 1));
  const read = (path, name) => parsePosteriorFile(new Uint8Array(readFileSync(path)), name);
  const m = read(files.members, "members.csv");
  const n = read(files.nonmembers, "nonmembers.csv");
  const nodeReport = await auditPosteriors({ members: m.posteriors, nonMembers: n.posteriors, membersLabels: m.labels, nonMembersLabels: n.labels });
  const nodeFingerprint = await fingerprintReport(nodeReport);

  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(origin);
    await page.waitForSelector("body[data-state=ready]");
    const { SHORT_AUDIT } = await import(pathToFileURL(join(root, "dist", "test", "runtimes", "probe.js")).href);
    if (nodeAuditFingerprint === undefined) {
      const { audit } = await dist("audit.js");
      const { loadDataset } = await dist("datasets/index.js");
      const { bundledDataSource } = await dist("adapters/node/dataset-source.js");
      const { dataset, ...options } = SHORT_AUDIT;
      nodeAuditFingerprint = await fingerprintReport(await audit({ ...options, dataset: await loadDataset(dataset, { source: bundledDataSource() }) }));
    }
    await testOwnModelAudit(page, dist);
    await testTfjsModelAudit(page, dist);
    await testResponsiveness(page);
    await testDatasetAudit(page, nodeAuditFingerprint, SHORT_AUDIT);
    await page.setInputFiles("#members-file", files.members);
    await page.setInputFiles("#nonmembers-file", files.nonmembers);
    await page.click("#run-posteriors");
    await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: TEST_TIMEOUT_MS });
    const error = await page.evaluate(() => (document.body.dataset.state === "error" ? document.getElementById("error-panel")?.textContent : ""));
    const fingerprint = await page.textContent("#fingerprint").catch(() => null);
    const rows = await page.locator("#summary tbody tr[data-attack]").count();
    const curves = await page.locator("#charts svg").count();
    await page.screenshot({ path: join(outputDir, "page-posteriors.png"), fullPage: true });
    report(!error && rows === nodeReport.runs[0].attacks.length, "page: posterior files -> attacks table", error || `${rows} attacks, ${curves} ROC charts`);
    report(curves >= 2, "page: ROC curves, linear and log-log", `${curves} charts`);
    report(fingerprint === nodeFingerprint, "page: posteriors fingerprint == node", fingerprint === nodeFingerprint ? nodeFingerprint.slice(0, 16) : `page ${fingerprint} node ${nodeFingerprint}`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    const saved = join(outputDir, "page-report.json");
    await download.saveAs(saved);
    const document = JSON.parse(readFileSync(saved, "utf8"));
    report(download.suggestedFilename() === "report.json" && document.fingerprint === nodeFingerprint, "page: download report.json", `${download.suggestedFilename()} fingerprint ${String(document.fingerprint).slice(0, 16)}`);

    // .npy files (no labels): only the label-free attacks, still Node's fingerprint.
    const { encodeNpy } = await dist("datasets/npy.js");
    const npy = { members: join(outputDir, "members.npy"), nonmembers: join(outputDir, "nonmembers.npy") };
    writeFileSync(npy.members, encodeNpy(m.posteriors.values, [m.posteriors.rows, m.posteriors.classes]));
    writeFileSync(npy.nonmembers, encodeNpy(n.posteriors.values, [n.posteriors.rows, n.posteriors.classes]));
    const npyFingerprint = await fingerprintReport(await auditPosteriors({ members: m.posteriors, nonMembers: n.posteriors }));
    await page.setInputFiles("#members-file", npy.members);
    await page.setInputFiles("#nonmembers-file", npy.nonmembers);
    await page.click("#run-posteriors");
    await page.waitForFunction(() => document.body.dataset.state !== "running", null, { timeout: TEST_TIMEOUT_MS });
    const npyShown = await page.textContent("#fingerprint").catch(() => null);
    const npyRows = await page.locator("#summary tbody tr[data-attack]").count();
    report(npyShown === npyFingerprint && npyRows === 2, "page: .npy files, label-free attacks, fingerprint == node", `${npyRows} attacks, ${String(npyShown).slice(0, 16)}`);

    // A bad file: the page names the problem instead of failing silently.
    writeFileSync(join(outputDir, "bad.csv"), "p0,p1\n0.5,oops\n");
    await page.setInputFiles("#members-file", join(outputDir, "bad.csv"));
    await page.click("#run-posteriors");
    await page.waitForSelector("body[data-state=error]", { timeout: 60_000 });
    const message = await page.textContent("#error-panel");
    report(/bad\.csv/.test(message ?? "") && /line 2|row/.test(message ?? ""), "page: a bad file gets an error naming it", JSON.stringify(message));
  } finally {
    report(errors.length === 0, "page: no uncaught errors", errors.join("; "));
    await page.close();
  }
}

/** report.html of a real audit in Chromium: verdict first, no overlapping chart labels, a screenshot. */
async function testReportHtml() {
  const dist = (path) => import(pathToFileURL(join(root, "dist", "src", ...path.split("/"))).href);
  const [{ audit }, { loadDataset }, { bundledDataSource }, { buildReportDocument }, { renderReportHtml }, { initKernels }] = await Promise.all(
    ["audit.js", "datasets/index.js", "adapters/node/dataset-source.js", "report/json.js", "report/html.js", "kernels/index.js"].map(dist),
  );
  await initKernels();
  const dna = await loadDataset("dna", { source: bundledDataSource() });
  const result = await audit({ dataset: dna, seed: 1, partSize: 200, epochs: 10, attackEpochs: 10, noiseQueries: 200, engine: "fused", defences: ["none", "dropout", "stacking"] });
  const html = renderReportHtml(await buildReportDocument(result, { version: "test", versions: {}, timings: {} }));
  const page = await context.newPage();
  try {
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.setContent(html);
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, "report.png"), fullPage: true });
    const firstSection = await page.evaluate(() => document.querySelector("section")?.className ?? "");
    report(/\bverdict\b/.test(firstSection), "report.html opens on the verdict", firstSection);
    // Every text label in each chart, as boxes; two that intersect by more than a pixel overlap.
    const overlaps = await page.evaluate(() => {
      const found = [];
      document.querySelectorAll("svg").forEach((svg, chart) => {
        const boxes = [...svg.querySelectorAll("text")].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() })).filter((b) => b.box.width > 0);
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].box;
            const b = boxes[j].box;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1) found.push(`chart ${chart}: '${boxes[i].text}' and '${boxes[j].text}'`);
          }
        }
      });
      return found;
    });
    const charts = await page.evaluate(() => document.querySelectorAll("svg").length);
    report(charts > 0 && overlaps.length === 0, `report.html: no two labels overlap in ${charts} charts`, overlaps.slice(0, 5).join("; "));
  } finally {
    await page.close();
  }
}

try {
  const browserVersion = browser.version();
  console.log(`chromium ${browserVersion} (${CHROMIUM}), server ${origin}`);

  for (const { name, file } of part("tests") ? tests.bundles : []) {
    const state = await runInPage(`_test/run.html?file=${encodeURIComponent(name)}`);
    const output = stripAnsi(state.output ?? "");
    const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
    const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
    const good = !state.error && total > 0 && ok === total && state.errors.length === 0;
    report(good, `chromium ${file}`, `(${ok}/${total})`);
    if (!good) console.log([state.error, ...state.errors, output].filter(Boolean).join("\n").replace(/^/gm, "     "));
  }
  for (const { file, needs } of part("tests") ? tests.nodeOnly : []) console.log(`skip chromium ${file}  (imports ${needs.join(", ")}: Node and Deno only)`);

  // The probe: the same hashes in this Node process and in the page, whatever the page's wasm
  // thread count (tfjs's default, then 2 threads on a page that reports 4 cores).
  const { runProbe } = await import(pathToFileURL(join(root, "dist", "test", "runtimes", "probe.js")).href);
  const { bundledDataSource } = await import(pathToFileURL(join(root, "dist", "src", "adapters", "node", "dataset-source.js")).href);
  const nodeProbe = part("probe") ? await runProbe({ source: bundledDataSource() }) : undefined;
  if (nodeProbe) console.log(`probe in ${nodeProbe.runtime}: ${JSON.stringify(nodeProbe.facts)}`);
  for (const query of nodeProbe ? ["probe", "probe&threads=2&cores=4"] : []) {
    const state = await runInPage(`_test/run.html?${query}`);
    if (state.error || !state.probe) {
      report(false, `chromium ${query}`, [state.error, ...state.errors].filter(Boolean).join("\n"));
      continue;
    }
    console.log(`${query} in chromium: ${JSON.stringify(state.probe.facts)}`);
    if (probeOut && query === "probe") writeFileSync(probeOut, JSON.stringify(state.probe));
    report(state.probe.facts.crossOriginIsolated === true, `chromium ${query}: cross-origin isolated (COOP/COEP)`);
    for (const [key, hash] of Object.entries(nodeProbe.hashes)) {
      const page = state.probe.hashes[key];
      const threads = state.probe.facts.wasmThreads;
      report(page === hash, `probe ${key}: node == chromium (${threads} wasm thread${threads === 1 ? "" : "s"})`, page === hash ? hash.slice(0, 16) : `node ${hash} chromium ${page}`);
    }
  }

  if (nodeProbe) {
    const binaries = [...new Set(requests.filter((path) => path.endsWith(".wasm")))];
    report(binaries.includes("/wasm/tfjs-backend-wasm-threaded-simd.wasm"), "cross-origin isolated pages load the threaded SIMD binary", binaries.join(", "));
  }
  if (part("page")) await testAuditPage(nodeProbe?.hashes.auditFingerprint);
  if (part("report")) await testReportHtml();

  report(foreign.length === 0, "no request left the page's origin", foreign.length ? foreign.join(", ") : "");
} catch (error) {
  report(false, "browser suite", error instanceof Error ? error.stack : String(error));
} finally {
  await browser.close();
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(`chromium: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
