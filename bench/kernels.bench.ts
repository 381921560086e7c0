// npm run bench:kernels: the wasm kernels against their plain TypeScript references and a naive
// version, on N = 1,000,000 x C = 100 posteriors, with a memory-read baseline (summing the same
// Float32Array in JavaScript) measured in the same run. Prints a Markdown table: medians of several
// runs, ratios, effective GB/s (input bytes / median time). Progress goes to stderr.
// Environment: MLLEAKS_BENCH_ROWS (default 1000000), MLLEAKS_BENCH_RUNS (default 5).
import { loadavg } from "node:os";
import {
  allocatePosteriors,
  auc,
  correctness,
  crossEntropyLoss,
  entropy,
  initKernels,
  maxPosterior,
  modifiedEntropy,
  Pcg32,
  rocCurve,
  topK,
} from "../src/kernels/index.js";
import {
  referenceCorrectness,
  referenceCrossEntropyLoss,
  referenceEntropy,
  referenceMaxPosterior,
  referenceModifiedEntropy,
  referenceTopK,
} from "../src/kernels/reference/posteriors.js";
import { referenceAuc, referenceRocCurve } from "../src/kernels/reference/roc.js";
import type { Posteriors } from "../src/types.js";

const ROWS = Number(process.env.MLLEAKS_BENCH_ROWS ?? 1_000_000);
const CLASSES = 100;
const RUNS = Number(process.env.MLLEAKS_BENCH_RUNS ?? 5);
// The slow baselines get fewer runs; the naive sort runs on a slice of the rows and is scaled up.
const REFERENCE_RUNS = Math.max(1, Math.min(RUNS, 3));
const NAIVE_ROWS = Math.min(ROWS, 20_000);

const log = (message: string) => process.stderr.write(`${message}\n`);

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median milliseconds of `runs` calls, after `warmUp` (the same code on a small input) has run. */
function time(runs: number, fn: () => unknown, warmUp: () => unknown): number {
  for (let i = 0; i < 3; i++) warmUp();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Peaked softmax rows, like a trained model's posteriors, written into `out` chunk by chunk. */
function fillPosteriors(out: Float32Array, rows: number, classes: number, seed: number): void {
  const rng = new Pcg32(seed);
  const chunk = 10_000;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const u = rng.fillFloat64(n * classes);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const x = Math.exp(12 * u[r * classes + c]!);
        u[r * classes + c] = x;
        sum += x;
      }
      for (let c = 0; c < classes; c++) out[(r0 + r) * classes + c] = u[r * classes + c]! / sum;
    }
  }
}

function naiveTopK(p: Posteriors, k: number): Float32Array {
  const out = new Float32Array(p.rows * k);
  for (let r = 0; r < p.rows; r++) {
    const row = Array.from(p.values.subarray(r * p.classes, (r + 1) * p.classes)).sort((a, b) => b - a);
    for (let j = 0; j < k; j++) out[r * k + j] = row[j]!;
  }
  return out;
}

function sumBaseline(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}

interface Row {
  name: string;
  bytes: number;
  wasm: number;
  inPlace?: number;
  reference: number;
  naive?: number;
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? "—" : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtRatio = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(x >= 10 ? 0 : 1)}x`);
const gbps = (bytes: number, ms: number) => bytes / 1e9 / (ms / 1e3);

async function main(): Promise<void> {
  await initKernels();
  const started = performance.now();
  log(`kernels bench: ${ROWS} x ${CLASSES} posteriors, ${RUNS} runs (references ${REFERENCE_RUNS}, naive sort on ${NAIVE_ROWS} rows)`);

  // The same data twice: an ordinary Float32Array (the plain API copies it into wasm memory on each
  // call; the references, the naive version and the baseline read it) and a copy held in wasm memory
  // (allocatePosteriors: read in place).
  const p: Posteriors = { values: new Float32Array(ROWS * CLASSES), rows: ROWS, classes: CLASSES };
  fillPosteriors(p.values, ROWS, CLASSES, 1);
  const held = allocatePosteriors(ROWS, CLASSES);
  held.values.set(p.values);
  const labels = Int32Array.from(new Pcg32(2).fillUint32(ROWS), (x) => x % CLASSES);
  const inputBytes = p.values.byteLength;
  log(`data ready (${(inputBytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1e3).toFixed(1)} s`);

  // Warm-ups run the same code on the first rows only, to keep the run short.
  const warmRows = 2000;
  const small: Posteriors = { values: p.values.subarray(0, warmRows * CLASSES), rows: warmRows, classes: CLASSES };
  const smallLabels = labels.subarray(0, warmRows);
  const baseline = time(RUNS, () => sumBaseline(p.values), () => sumBaseline(small.values));
  log(`memory-read baseline: ${fmtMs(baseline)} ms`);

  const rows: Row[] = [];
  const naiveSlice: Posteriors = { values: p.values.subarray(0, NAIVE_ROWS * CLASSES), rows: NAIVE_ROWS, classes: CLASSES };
  for (const k of [3, 10]) {
    const name = `topK k=${k}`;
    log(name);
    rows.push({
      name,
      bytes: inputBytes,
      wasm: time(RUNS, () => topK(p, k), () => topK(small, k)),
      inPlace: time(RUNS, () => topK(held, k), () => topK(small, k)),
      reference: time(REFERENCE_RUNS, () => referenceTopK(p, k), () => referenceTopK(small, k)),
      naive: (time(REFERENCE_RUNS, () => naiveTopK(naiveSlice, k), () => naiveTopK(small, k)) * ROWS) / NAIVE_ROWS,
    });
  }
  const perRow: [string, (q: Posteriors, l: Int32Array) => unknown, (q: Posteriors, l: Int32Array) => unknown][] = [
    ["maxPosterior", (q) => maxPosterior(q), (q) => referenceMaxPosterior(q)],
    ["entropy", (q) => entropy(q), (q) => referenceEntropy(q)],
    ["modifiedEntropy", modifiedEntropy, referenceModifiedEntropy],
    ["crossEntropyLoss", crossEntropyLoss, referenceCrossEntropyLoss],
    ["correctness", correctness, referenceCorrectness],
  ];
  for (const [name, wasm, reference] of perRow) {
    log(name);
    rows.push({
      name,
      bytes: inputBytes,
      wasm: time(RUNS, () => wasm(p, labels), () => wasm(small, smallLabels)),
      inPlace: time(RUNS, () => wasm(held, labels), () => wasm(small, smallLabels)),
      reference: time(REFERENCE_RUNS, () => reference(p, labels), () => reference(small, smallLabels)),
    });
  }
  held.release();

  // ROC over N scores: each record's max posterior (many distinct values, some ties), half members.
  const scores32 = maxPosterior(p);
  const scores64 = Float64Array.from(scores32, (x, i) => x + labels[i]! * 1e-9);
  const members = Uint8Array.from(new Pcg32(3).fillUint32(ROWS), (x) => x & 1);
  const smallMembers = members.subarray(0, warmRows);
  for (const [name, scores] of [["f32", scores32], ["f64", scores64]] as const) {
    log(`roc ${name}`);
    const bytes = scores.byteLength + members.byteLength;
    const smallScores = scores.subarray(0, warmRows);
    rows.push({
      name: `auc (${name} scores)`,
      bytes,
      wasm: time(RUNS, () => auc(scores, members), () => auc(smallScores, smallMembers)),
      reference: time(REFERENCE_RUNS, () => referenceAuc(scores, members), () => referenceAuc(smallScores, smallMembers)),
    });
    rows.push({
      name: `rocCurve (${name} scores)`,
      bytes,
      wasm: time(RUNS, () => rocCurve(scores, members), () => rocCurve(smallScores, smallMembers)),
      reference: time(REFERENCE_RUNS, () => referenceRocCurve(scores, members), () => referenceRocCurve(smallScores, smallMembers)),
    });
  }

  const baseGbps = gbps(inputBytes, baseline);
  const lines = [
    `Kernel benchmark: ${ROWS.toLocaleString("en-US")} x ${CLASSES} float32 posteriors (${(inputBytes / 1e6).toFixed(0)} MB); ROC over ${ROWS.toLocaleString("en-US")} scores.`,
    `Median ms of ${RUNS} runs (references ${REFERENCE_RUNS}; naive = Array.prototype.sort per row, timed on ${NAIVE_ROWS.toLocaleString("en-US")} rows and scaled).`,
    `wasm = the plain API (copies the input into wasm memory); in place = allocatePosteriors (no copy).`,
    `Memory-read baseline (JS sum of the same Float32Array): ${fmtMs(baseline)} ms = ${baseGbps.toFixed(2)} GB/s.`,
    "",
    "| kernel | wasm ms | in place ms | reference ms | naive ms | wasm vs reference | in place vs reference | wasm vs naive | GB/s wasm / in place | % of baseline wasm / in place |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const g = gbps(r.bytes, r.wasm);
    const gIn = r.inPlace === undefined ? undefined : gbps(r.bytes, r.inPlace);
    const pct = (x: number | undefined) => (x === undefined ? "—" : `${((100 * x) / baseGbps).toFixed(0)}%`);
    lines.push(
      `| ${r.name} | ${fmtMs(r.wasm)} | ${fmtMs(r.inPlace)} | ${fmtMs(r.reference)} | ${fmtMs(r.naive)} | ` +
        `${fmtRatio(r.reference / r.wasm)} | ${fmtRatio(r.inPlace === undefined ? undefined : r.reference / r.inPlace)} | ` +
        `${fmtRatio(r.naive === undefined ? undefined : r.naive / r.wasm)} | ${g.toFixed(2)} / ${gIn === undefined ? "—" : gIn.toFixed(2)} | ` +
        (r.bytes === inputBytes ? `${pct(g)} / ${pct(gIn)} |` : "— |"),
    );
  }
  const top3 = rows[0]!;
  const aucF32 = rows.find((r) => r.name === "auc (f32 scores)")!;
  const rocF32 = rows.find((r) => r.name === "rocCurve (f32 scores)")!;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  lines.push(
    "",
    `Targets: top-3 >= 2x reference: ${fmtRatio(top3.reference / top3.wasm)} (${verdict(top3.reference / top3.wasm >= 2)}); ` +
      `ROC/AUC sweep >= 2x reference: auc ${fmtRatio(aucF32.reference / aucF32.wasm)}, rocCurve ${fmtRatio(rocF32.reference / rocF32.wasm)} (${verdict(Math.min(aucF32.reference / aucF32.wasm, rocF32.reference / rocF32.wasm) >= 2)}); ` +
      `top-3 >= 50% of the memory-read baseline: ${((100 * gbps(inputBytes, top3.wasm)) / baseGbps).toFixed(0)}% with the copy (${verdict(gbps(inputBytes, top3.wasm) >= 0.5 * baseGbps)}), ` +
      `${((100 * gbps(inputBytes, top3.inPlace!)) / baseGbps).toFixed(0)}% in place (${verdict(gbps(inputBytes, top3.inPlace!) >= 0.5 * baseGbps)}).`,
    `Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (2 cores), ${new Date().toISOString()}, ${((performance.now() - started) / 1e3).toFixed(0)} s.`,
  );
  process.stdout.write(lines.join("\n") + "\n");
}

await main();
