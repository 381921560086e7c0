// The in-browser audit page. Two ways in: audit a bundled dataset (trains the models here), or drop
// in a model's posteriors on members and non-members (threshold and metric attacks). Results: a
// summary table, the report's ROC curves (linear and log-log), the full report, report.json.
// Everything runs in this tab; the only requests go to the page's own origin (datasets/, wasm/).
import { fetchDataSource } from "../src/adapters/browser/dataset-source.js";
import { parsePosteriorFile } from "../src/attacks/posterior-files.js";
import { audit, type Defence } from "../src/audit.js";
import { BUNDLED_DATASETS } from "../src/datasets/catalog.js";
import { DEFENCE_REGISTRY } from "../src/defences/registry.js";
import { loadDataset } from "../src/datasets/index.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/index.js";
import { renderReportHtml } from "../src/report/html.js";
import { buildReportDocument, serializeReport } from "../src/report/json.js";
import type { AuditReport, ReportDocument } from "../src/report/types.js";
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
const buttons = [$<HTMLButtonElement>("run-audit"), $<HTMLButtonElement>("run-posteriors")];

/** Facts about this runtime that go into the report's versions (they never enter the fingerprint). */
const runtimeFacts: Record<string, string> = {
  mlleaks: PACKAGE_VERSION,
  browser: navigator.userAgent,
  crossOriginIsolated: String(globalThis.crossOriginIsolated === true),
};

let lastDocument: ReportDocument | undefined;

function setProgress(fraction: number, text: string): void {
  progressPanel.hidden = false;
  progressBar.value = Math.max(0, Math.min(1, fraction));
  statusLine.textContent = text;
}

/** Runs one job with the buttons disabled, the progress bar shown and errors shown in words. */
async function runJob(job: () => Promise<{ report: AuditReport; timings: Record<string, number> }>): Promise<void> {
  for (const b of buttons) b.disabled = true;
  document.body.dataset.state = "running";
  errorPanel.hidden = true;
  results.hidden = true;
  setProgress(0, "starting");
  try {
    await initKernels();
    const { report, timings } = await job();
    setProgress(0.98, "writing the report");
    lastDocument = await buildReportDocument(report, { version: PACKAGE_VERSION, versions: runtimeFacts, timings, createdAt: new Date().toISOString() });
    showResults(lastDocument);
    setProgress(1, `done: fingerprint ${lastDocument.fingerprint.slice(0, 16)}…`);
  } catch (error) {
    errorPanel.textContent = error instanceof Error ? error.message : String(error);
    errorPanel.hidden = false;
    progressPanel.hidden = true;
  } finally {
    for (const b of buttons) b.disabled = false;
    document.body.dataset.state = errorPanel.hidden ? "done" : "error";
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
  const charts = $("charts");
  charts.replaceChildren();
  const firstRun = rendered.querySelector("section");
  for (const node of firstRun ? Array.from(firstRun.querySelectorAll(".charts, .legend")) : []) charts.append(document.importNode(node, true));
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
  void runJob(async () => {
    const started = performance.now();
    const epochs = integerField("epochs", "Epochs");
    const partSize = integerField("part-size", "Records per part");
    const seed = integerField("seed", "Seed");
    const defences = Array.from(document.querySelectorAll<HTMLInputElement>("input[name=defence]:checked"), (box) => box.value as Defence);
    if (defences.length === 0) throw new Error("Defences: tick at least one (none audits the undefended model)");
    setProgress(0.01, "starting tfjs on WebAssembly");
    const backend = await initModelBackend({ wasmPaths: new URL("wasm/", location.href).href });
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
      onProgress: ({ done, total, detail }) => setProgress(0.03 + 0.94 * (total > 0 ? done / total : 0), `${detail} (${done}/${total} models)`),
    });
    return { report, timings: { loadMs: Math.round(loaded - started), auditMs: Math.round(performance.now() - loaded) } };
  });
});

// --- Posterior files -------------------------------------------------------------------------

for (const side of ["members", "nonmembers"]) {
  const drop = $(`${side}-drop`);
  const input = $<HTMLInputElement>(`${side}-file`);
  const name = drop.querySelector(".file-name")!;
  const show = () => {
    const file = input.files?.[0];
    name.textContent = file ? `${file.name} (${file.size.toLocaleString()} bytes)` : "drop a file or click";
    drop.classList.toggle("has-file", file !== undefined);
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
    if (event.dataTransfer?.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
}

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
