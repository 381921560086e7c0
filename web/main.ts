// The in-browser audit page. Three ways in: audit the user's own model (an .onnx or a tfjs folder)
// on their members / non-members / population files, audit a bundled dataset (trains the models
// here), or drop in a model's posteriors on members and non-members (threshold and metric attacks).
// Models train in Web Workers (training-worker.js), so the page stays responsive. Results: a
// summary table, the report's ROC curves (linear and log-log), the full report, report.json.
// Everything runs in this tab; the only requests go to the page's own origin (datasets/, wasm/).
import { fetchDataSource } from "../src/adapters/browser/dataset-source.js";
import { webWorkers } from "../src/adapters/browser/workers.js";
import { parsePosteriorFile } from "../src/attacks/posterior-files.js";
import { auditModel } from "../src/audit-model.js";
import { audit, DEFAULT_MODEL_ATTACKS, EXTRA_ATTACKS, type Defence, type ExtraAttack, type JobRunner } from "../src/audit.js";
import { BUNDLED_DATASETS } from "../src/datasets/catalog.js";
import { DEFENCE_REGISTRY } from "../src/defences/registry.js";
import { loadDataset } from "../src/datasets/index.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/index.js";
import { TrainingPool } from "../src/models/parallel.js";
import { readRecords, toLabeledData } from "../src/records/index.js";
import { renderReportHtml } from "../src/report/html.js";
import { buildReportDocument, serializeReport } from "../src/report/json.js";
import type { AuditReport, ReportDocument } from "../src/report/types.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { openTfjsModel } from "../src/targets/tfjs.js";
import type { TargetModel } from "../src/targets/types.js";
import type { LabeledData } from "../src/types.js";
import { PACKAGE_VERSION } from "../src/version.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

const progressPanel = $("progress-panel");
const progressBar = $<HTMLProgressElement>("progress");
const statusLine = $("status");
const errorPanel = $("error-panel");
const results = $("results");
const buttons = [$<HTMLButtonElement>("run-model"), $<HTMLButtonElement>("run-audit"), $<HTMLButtonElement>("run-posteriors")];
const warningsLine = $("warnings");

/** Facts about this runtime that go into the report's versions (they never enter the fingerprint). */
const runtimeFacts: Record<string, string> = {
  mlleaks: PACKAGE_VERSION,
  browser: navigator.userAgent,
  crossOriginIsolated: String(globalThis.crossOriginIsolated === true),
};

let lastDocument: ReportDocument | undefined;

// Models train in Web Workers (one wasm instance each), kept warm between audits; the results are
// bit-identical to training them one after another in this thread.
const MAX_TRAINING_WORKERS = 4;
const trainingWorkers = webWorkers(new URL("training-worker.js", location.href));
let pool: TrainingPool | undefined;
const runInWorkers: JobRunner = (jobs, hooks) => {
  pool ??= new TrainingPool({ adapter: trainingWorkers, workers: Math.min(MAX_TRAINING_WORKERS, trainingWorkers.defaultWorkers()) });
  runtimeFacts.trainingWorkers = String(pool.size);
  return pool.train(jobs, hooks);
};
const wasmPaths = new URL("wasm/", location.href).href;

function setProgress(fraction: number, text: string): void {
  progressPanel.hidden = false;
  progressBar.value = Math.max(0, Math.min(1, fraction));
  statusLine.textContent = text;
}

const cancelButton = $<HTMLButtonElement>("cancel");
let running: AbortController | undefined;
cancelButton.addEventListener("click", () => running?.abort(new Error("cancelled")));

/**
 * Runs one job with the buttons disabled, the progress bar shown and errors shown in words. Cancel
 * aborts the job's signal: training stops (its workers are ended) and the page says so.
 */
async function runJob(job: (signal: AbortSignal) => Promise<{ report: AuditReport; timings: Record<string, number>; warnings?: readonly string[] }>): Promise<void> {
  for (const b of buttons) b.disabled = true;
  running = new AbortController();
  const { signal } = running;
  cancelButton.disabled = false;
  document.body.dataset.state = "running";
  errorPanel.hidden = true;
  results.hidden = true;
  setProgress(0, "starting");
  // Facts of the previous job's model and workers do not belong to this one's report.
  delete runtimeFacts.model;
  delete runtimeFacts.trainingWorkers;
  try {
    await initKernels();
    const { report, timings, warnings = [] } = await job(signal);
    signal.throwIfAborted();
    warningsLine.textContent = warnings.map((w) => `warning: ${w}`).join("\n");
    warningsLine.hidden = warnings.length === 0;
    setProgress(0.98, "writing the report");
    lastDocument = await buildReportDocument(report, { version: PACKAGE_VERSION, versions: runtimeFacts, timings, createdAt: new Date().toISOString() });
    showResults(lastDocument);
    setProgress(1, `done: fingerprint ${lastDocument.fingerprint.slice(0, 16)}…`);
  } catch (error) {
    if (signal.aborted) {
      setProgress(progressBar.value, "cancelled");
    } else {
      errorPanel.textContent = error instanceof Error ? error.message : String(error);
      errorPanel.hidden = false;
      progressPanel.hidden = true;
    }
  } finally {
    for (const b of buttons) b.disabled = false;
    cancelButton.disabled = true;
    running = undefined;
    document.body.dataset.state = signal.aborted ? "cancelled" : errorPanel.hidden ? "done" : "error";
  }
}

const fmt = (x: number | undefined, digits = 3): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(1)}%`);

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function showResults(doc: ReportDocument): void {
  const tbody = $("summary").querySelector("tbody")!;
  tbody.replaceChildren();
  for (const run of doc.runs) {
    if (doc.runs.length > 1 || run.target.kind !== "external") {
      const row = document.createElement("tr");
      row.className = "group";
      const t = run.target;
      const td = cell(`target ${t.kind}, defence ${run.defence}` + (t.trainAccuracy !== undefined ? ` · train ${pct(t.trainAccuracy)}, test ${pct(t.testAccuracy)}` : ""));
      td.colSpan = 7;
      row.append(td);
      tbody.append(row);
    }
    for (const attack of run.attacks) {
      const m = attack.metrics;
      const row = document.createElement("tr");
      row.dataset.attack = attack.name;
      row.append(cell(attack.title), cell(fmt(m.auc)), cell(pct(m.tprAtFpr["0.001"])), cell(pct(m.tprAtFpr["0.01"])), cell(fmt(m.advantage)), cell(pct(m.precision)), cell(pct(m.recall)));
      tbody.append(row);
    }
  }
  // The ROC curves come from the report's own renderer, so they match report.html exactly.
  const html = renderReportHtml(doc);
  const rendered = new DOMParser().parseFromString(html, "text/html");
  // The first run's ROC panels (the first .charts in the report), and the report's verdict.
  const charts = $("charts");
  const firstCharts = rendered.querySelector(".charts");
  charts.replaceChildren(...(firstCharts ? Array.from(firstCharts.children, (node) => document.importNode(node, true)) : []));
  const verdict = rendered.querySelector("section.verdict");
  $("verdict").replaceChildren(...(verdict ? [document.importNode(verdict, true)] : []));
  $<HTMLIFrameElement>("report").srcdoc = html;
  const facts = $("facts");
  facts.replaceChildren();
  facts.append(`Seed ${doc.seed} · fingerprint `);
  const code = document.createElement("code");
  code.id = "fingerprint";
  code.textContent = doc.fingerprint;
  facts.append(code, ` · ${Object.entries(doc.versions).filter(([k]) => k !== "browser").map(([k, v]) => `${k} ${v}`).join(" · ")}`);
  results.hidden = false;
}

$("download").addEventListener("click", () => {
  if (!lastDocument) return;
  const blob = new Blob([serializeReport(lastDocument)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "report.json";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
});

// --- Bundled datasets ------------------------------------------------------------------------

// The datasets and the tfjs-backend-wasm binaries come from this page's own server (dist/web).
const datasets = fetchDataSource(new URL("datasets/", location.href));
const datasetSelect = $<HTMLSelectElement>("dataset");
const shadowSelect = $<HTMLSelectElement>("shadow-dataset");
const partSizeInput = $<HTMLInputElement>("part-size");
for (const entry of BUNDLED_DATASETS) {
  const label = `${entry.name} (${entry.records.toLocaleString()} records, ${entry.classes} classes)`;
  datasetSelect.add(new Option(label, entry.name, entry.name === "digits", entry.name === "digits"));
  shadowSelect.add(new Option(label, entry.name));
}
const limitPartSize = () => {
  const entry = BUNDLED_DATASETS.find((d) => d.name === datasetSelect.value);
  if (entry) partSizeInput.max = String(Math.floor(entry.records / 4));
};
datasetSelect.addEventListener("change", limitPartSize);
limitPartSize();
// One checkbox per registered defence (with their default parameters), "none" ticked.
for (const defence of DEFENCE_REGISTRY) {
  const label = document.createElement("label");
  label.className = "check";
  label.title = defence.summary;
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = "defence";
  box.value = defence.name;
  box.checked = defence.name === "none";
  label.append(box, ` ${defence.name}`);
  $("defences").append(label);
}

function integerField(id: string, name: string): number {
  const input = $<HTMLInputElement>(id);
  const value = Number(input.value);
  if (input.value.trim() === "" || !Number.isSafeInteger(value) || !input.checkValidity()) {
    throw new Error(`${name}: expected a whole number${input.min ? ` from ${input.min}` : ""}${input.max ? ` to ${input.max}` : ""}, got '${input.value}'`);
  }
  return value;
}

$("dataset-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void runJob(async (signal) => {
    const started = performance.now();
    const epochs = integerField("epochs", "Epochs");
    const partSize = integerField("part-size", "Records per part");
    const seed = integerField("seed", "Seed");
    const defences = Array.from(document.querySelectorAll<HTMLInputElement>("input[name=defence]:checked"), (box) => box.value as Defence);
    if (defences.length === 0) throw new Error("Defences: tick at least one (none audits the undefended model)");
    setProgress(0.01, "starting tfjs on WebAssembly");
    const backend = await initModelBackend({ wasmPaths });
    Object.assign(runtimeFacts, { tfjs: backend.tfjsVersion, wasmThreads: String(backend.threads), wasmSimd: String(backend.simd) });
    setProgress(0.02, `loading ${datasetSelect.value}`);
    const dataset = await loadDataset(datasetSelect.value, { source: datasets });
    const shadowDataset = shadowSelect.value ? await loadDataset(shadowSelect.value, { source: datasets }) : undefined;
    const loaded = performance.now();
    const report = await audit({
      dataset,
      ...(shadowDataset ? { shadowDataset } : {}),
      seed,
      epochs,
      partSize,
      defences,
      runJobs: runInWorkers,
      signal,
      onProgress: ({ done, total, detail }) => setProgress(0.03 + 0.94 * (total > 0 ? done / total : 0), `${detail} (${done}/${total} models)`),
    });
    return { report, timings: { loadMs: Math.round(loaded - started), auditMs: Math.round(performance.now() - loaded) } };
  });
});

// --- Drop zones ------------------------------------------------------------------------------

/** The files of a dropped folder (and its sub-folders), read through the entries API. */
async function folderFiles(entry: FileSystemDirectoryEntry): Promise<File[]> {
  const reader = entry.createReader();
  const files: File[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return files;
    for (const child of batch) {
      if (child.isDirectory) files.push(...(await folderFiles(child as FileSystemDirectoryEntry)));
      else files.push(await new Promise<File>((resolve, reject) => (child as FileSystemFileEntry).file(resolve, reject)));
    }
  }
}

/** A drop zone around a file input: the input holds the files, dropped ones (folders too) go into it. */
function dropZone(dropId: string, inputId: string, empty: string): void {
  const drop = $(dropId);
  const input = $<HTMLInputElement>(inputId);
  const name = drop.querySelector(".file-name")!;
  const show = () => {
    const files = Array.from(input.files ?? []);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    name.textContent = files.length === 0 ? empty : files.length === 1 ? `${files[0]!.name} (${bytes.toLocaleString()} bytes)` : `${files.map((f) => f.name).join(", ")} (${bytes.toLocaleString()} bytes)`;
    drop.classList.toggle("has-file", files.length > 0);
  };
  input.addEventListener("change", show);
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const transfer = event.dataTransfer;
    if (!transfer?.files.length) return;
    const entries = Array.from(transfer.items, (item) => item.webkitGetAsEntry());
    const dropped = Array.from(transfer.files);
    void (async () => {
      const files: File[] = [];
      for (let i = 0; i < dropped.length; i++) {
        const entry = entries[i];
        if (entry?.isDirectory) files.push(...(await folderFiles(entry as FileSystemDirectoryEntry)));
        else files.push(dropped[i]!);
      }
      const list = new DataTransfer();
      for (const file of input.multiple ? files : files.slice(0, 1)) list.items.add(file);
      input.files = list.files;
      show();
    })();
  });
}

// --- Your own model --------------------------------------------------------------------------

dropZone("model-drop", "model-files", "drop an .onnx or a tfjs folder, or click");
for (const side of ["members", "nonmembers", "population"]) dropZone(`model-${side}-drop`, `model-${side}-file`, "drop a file or click");

/** Opens the dropped model: an .onnx file, or a tfjs model.json with the weight files it names. */
async function openDroppedModel(files: readonly File[]): Promise<TargetModel> {
  if (files.length === 0) throw new Error("Model: drop an .onnx file or a tfjs model folder (model.json and its weight files) first");
  const onnx = files.filter((f) => f.name.toLowerCase().endsWith(".onnx"));
  if (onnx.length > 1) throw new Error(`Model: ${onnx.length} .onnx files (${onnx.map((f) => f.name).join(", ")}); drop one`);
  if (onnx.length === 1) {
    return openOnnxModel(new Uint8Array(await onnx[0]!.arrayBuffer()), onnx[0]!.name, { wasmPaths: { wasm: new URL("ort-wasm-simd-threaded.wasm", wasmPaths).href } });
  }
  const json = files.filter((f) => f.name.toLowerCase().endsWith(".json"));
  const modelJson = json.find((f) => f.name === "model.json") ?? (json.length === 1 ? json[0] : undefined);
  if (!modelJson) {
    throw new Error(`Model: expected an .onnx file or a tfjs model.json with its weight files; got ${files.map((f) => f.name).join(", ")}`);
  }
  const folder = modelJson.webkitRelativePath.split("/").slice(0, -1).join("/");
  const location = folder ? `${folder}/${modelJson.name}` : modelJson.name;
  await initModelBackend({ wasmPaths });
  // Weight files are named relative to model.json; the dropped folder is flat or one level deep.
  return openTfjsModel(new Uint8Array(await modelJson.arrayBuffer()), async (path) => {
    const wanted = path.split("/").pop()!;
    const file = files.find((f) => f.name === wanted);
    if (!file) throw new Error(`${location} names the weight file '${path}', which was not dropped with it (drop the whole model folder)`);
    return new Uint8Array(await file.arrayBuffer());
  }, location);
}

/** A record file from one of the drop zones, as labelled records for the model. */
async function readRecordFile(inputId: string, what: string, numClasses: number, warnings: string[]): Promise<LabeledData | undefined> {
  const file = $<HTMLInputElement>(inputId).files?.[0];
  if (!file) return undefined;
  const labelColumn = $<HTMLInputElement>("label-column").value.trim();
  setProgress(0.03, `reading the ${what} (${file.name})`);
  const table = await readRecords(new Uint8Array(await file.arrayBuffer()), file.name, labelColumn ? { labelColumn } : {});
  warnings.push(...table.warnings);
  return toLabeledData(table, numClasses);
}

$("model-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void runJob(async (signal) => {
    const started = performance.now();
    const epochs = integerField("model-epochs", "Epochs");
    const attackEpochs = integerField("model-attack-epochs", "Attack epochs");
    const shadows = integerField("model-shadows", "Shadow models");
    const seed = integerField("model-seed", "Seed");
    setProgress(0.01, "opening the model");
    const target = await openDroppedModel(Array.from($<HTMLInputElement>("model-files").files ?? []));
    try {
      Object.assign(runtimeFacts, { model: `${target.source} ${target.location}` });
      const warnings: string[] = [];
      const members = await readRecordFile("model-members-file", "members", target.numClasses, warnings);
      const nonMembers = await readRecordFile("model-nonmembers-file", "non-members", target.numClasses, warnings);
      const population = await readRecordFile("model-population-file", "population", target.numClasses, warnings);
      if (!members) throw new Error("Members: drop the records the model trained on");
      if (!nonMembers) throw new Error("Non-members: drop records the model never saw");
      const loaded = performance.now();
      const report = await auditModel({
        target,
        members,
        nonMembers,
        ...(population ? { population } : {}),
        seed,
        attacks: ownModelAttacks(),
        epochs,
        attackEpochs,
        shadows,
        runJobs: runInWorkers,
        signal,
        onProgress: ({ done, total, detail }) => setProgress(0.05 + 0.92 * (total > 0 ? done / total : 0), `${detail} (${done}/${total})`),
      });
      return { report, warnings, timings: { loadMs: Math.round(loaded - started), auditMs: Math.round(performance.now() - loaded) } };
    } finally {
      await target.dispose();
    }
  });
});

// --- Posterior files -------------------------------------------------------------------------

for (const side of ["members", "nonmembers"]) dropZone(`${side}-drop`, `${side}-file`, "drop a file or click");

async function readPosteriorFile(input: HTMLInputElement, side: string) {
  const file = input.files?.[0];
  if (!file) throw new Error(`choose the ${side}' posteriors file first`);
  return parsePosteriorFile(new Uint8Array(await file.arrayBuffer()), file.name);
}

$("posteriors-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void runJob(async () => {
    const started = performance.now();
    setProgress(0.1, "reading the members' posteriors");
    const members = await readPosteriorFile($<HTMLInputElement>("members-file"), "members");
    setProgress(0.3, "reading the non-members' posteriors");
    const nonMembers = await readPosteriorFile($<HTMLInputElement>("nonmembers-file"), "non-members");
    setProgress(0.5, "running the threshold and metric attacks");
    const report = await auditPosteriors({
      members: members.posteriors,
      nonMembers: nonMembers.posteriors,
      ...(members.labels && nonMembers.labels ? { membersLabels: members.labels, nonMembersLabels: nonMembers.labels } : {}),
    });
    return { report, timings: { totalMs: Math.round(performance.now() - started) } };
  });
});

document.body.dataset.state = "ready";

/** The own-model audit's attacks: the model audit's defaults, or the list in the page's `?attacks=` parameter. */
function ownModelAttacks(): ExtraAttack[] {
  const asked = new URLSearchParams(location.search).get("attacks");
  if (!asked) return [...DEFAULT_MODEL_ATTACKS];
  return asked.split(",").filter((a): a is ExtraAttack => (EXTRA_ATTACKS as readonly string[]).includes(a));
}
