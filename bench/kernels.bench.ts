// npm run bench:kernels: the wasm kernels against their plain TypeScript references and a naive
// version, on N = 1,000,000 x C = 100 posteriors, with memory-read baselines measured in the same run:
// a SIMD wasm sum of the same posteriors in wasm memory (posteriorSum, the one the targets use) and a
// scalar JavaScript sum of the same Float32Array. Prints a Markdown table.
//
// The machine may be shared, so each kernel is timed in rounds that run every contender once, back
// to back (baselines, wasm, wasm in place, reference, naive): ratios are taken within a round, where
// the load is about the same for all, and the table shows medians over rounds.
// Environment: MLLEAKS_BENCH_ROWS (default 1000000), MLLEAKS_BENCH_ROUNDS (default 5),
// MLLEAKS_BENCH_ONLY=statistics (only the statistics section: DeLong and the epsilon bound on 2M scores).
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
  aucWithVariance,
  attackerAdvantage,
  rocAnalysis,
  rocCurve,
  topK,
} from "../src/kernels/index.js";
import { posteriorSum } from "../src/kernels/posteriors.js";
import { rocEpsilonLowerBound } from "../src/metrics/epsilon.js";
import { advantageInterval, bootstrapInterval } from "../src/metrics/intervals.js";
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
const ROUNDS = Number(process.env.MLLEAKS_BENCH_ROUNDS ?? 5);
// The naive per-row sort is ~50x slower: it runs on a slice of the rows and is scaled up.
const NAIVE_ROWS = Math.min(ROWS, 20_000);
// Warm-ups run each contender on the first rows only, to keep the run short.
const WARM_ROWS = Math.min(ROWS, 2_000);

const log = (message: string) => process.stderr.write(`${message}\n`);

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Contender {
  /** The timed call, on the full input. */
  run: () => unknown;
  /** The same code on a small input, for the JIT. */
  warm: () => unknown;
  /** Multiplies the measured time (the naive version runs on a slice). */
  scale?: number;
}

/** Milliseconds per round for each contender, rounds interleaved; under `${name}@cpu` the
 *  process's CPU milliseconds for the same calls (a loaded machine disturbs them less). */
function rounds(contenders: Record<string, Contender>): Record<string, number[]> {
  const times: Record<string, number[]> = {};
  for (const [name, c] of Object.entries(contenders)) {
    for (let i = 0; i < 3; i++) c.warm();
    times[name] = [];
    times[`${name}@cpu`] = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, c] of Object.entries(contenders)) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      c.run();
      const cpu = process.cpuUsage(cpuStart);
      times[name]!.push((performance.now() - start) * (c.scale ?? 1));
      times[`${name}@cpu`]!.push(((cpu.user + cpu.system) / 1000) * (c.scale ?? 1));
    }
  }
  return times;
}

/** Peaked rows (u^8, normalised), like a trained model's softmax, from a seeded generator. */
function fillPosteriors(out: Float32Array, rows: number, classes: number, seed: number): void {
  const rng = new Pcg32(seed);
  const chunk = 10_000;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const u = rng.fillFloat64(n * classes);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        let x = u[r * classes + c]!;
        x *= x;
        x *= x;
        x *= x;
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
  /** Bytes of input the kernel reads, for GB/s. */
  bytes: number;
  /** Whether the input is the posterior matrix (so the baseline comparison applies). */
  matrix: boolean;
  times: Record<string, number[]>;
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? "—" : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtRatio = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(x >= 10 ? 0 : 1)}x`);
const gbps = (bytes: number, ms: number) => bytes / 1e9 / (ms / 1e3);

/** Median over rounds of a / b (times of two contenders in the same round). */
function ratio(row: Row, a: string, b: string): number | undefined {
  const ta = row.times[a];
  const tb = row.times[b];
  if (!ta || !tb) return undefined;
  return median(ta.map((t, i) => t / tb[i]!));
}

async function main(): Promise<void> {
  await initKernels();
  const started = performance.now();
  log(`kernels bench: ${ROWS} x ${CLASSES} posteriors, ${ROUNDS} rounds (naive sort on ${NAIVE_ROWS} rows, scaled)`);

  // The same data twice: an ordinary Float32Array (the plain API copies it into wasm memory on each
  // call; the references, the naive version and the baseline read it) and a copy held in wasm memory
  // by allocatePosteriors, which the kernels read in place.
  const p: Posteriors = { values: new Float32Array(ROWS * CLASSES), rows: ROWS, classes: CLASSES };
  fillPosteriors(p.values, ROWS, CLASSES, 1);
  const held = allocatePosteriors(ROWS, CLASSES);
  held.values.set(p.values);
  const labels = Int32Array.from(new Pcg32(2).fillUint32(ROWS), (x) => x % CLASSES);
  const inputBytes = p.values.byteLength;
  log(`data ready (${(inputBytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1e3).toFixed(1)} s`);

  const small: Posteriors = { values: p.values.subarray(0, WARM_ROWS * CLASSES), rows: WARM_ROWS, classes: CLASSES };
  const smallLabels = labels.subarray(0, WARM_ROWS);
  const naiveSlice: Posteriors = { values: p.values.subarray(0, NAIVE_ROWS * CLASSES), rows: NAIVE_ROWS, classes: CLASSES };
  const baseline: Contender = { run: () => posteriorSum(held), warm: () => posteriorSum(small) };
  const jsBaseline: Contender = { run: () => sumBaseline(p.values), warm: () => sumBaseline(small.values) };

  const rows: Row[] = [];
  for (const k of [3, 10]) {
    const name = `topK k=${k}`;
    log(name);
    rows.push({
      name,
      bytes: inputBytes,
      matrix: true,
      times: rounds({
        baseline,
        jsBaseline,
        wasm: { run: () => topK(p, k), warm: () => topK(small, k) },
        inPlace: { run: () => topK(held, k), warm: () => topK(small, k) },
        reference: { run: () => referenceTopK(p, k), warm: () => referenceTopK(small, k) },
        naive: { run: () => naiveTopK(naiveSlice, k), warm: () => naiveTopK(small, k), scale: ROWS / NAIVE_ROWS },
      }),
    });
  }
  type RowKernel = (q: Posteriors, l: Int32Array) => unknown;
  const perRow: [string, RowKernel, RowKernel][] = [
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
      matrix: true,
      times: rounds({
        baseline,
        jsBaseline,
        wasm: { run: () => wasm(p, labels), warm: () => wasm(small, smallLabels) },
        inPlace: { run: () => wasm(held, labels), warm: () => wasm(small, smallLabels) },
        reference: { run: () => reference(p, labels), warm: () => reference(small, smallLabels) },
      }),
    });
  }
  held.release();

  // ROC over N scores: each record's max posterior (many distinct values, some ties), half members.
  const scores32 = maxPosterior(p);
  const scores64 = Float64Array.from(scores32, (x, i) => x + labels[i]! * 1e-9);
  const members = Uint8Array.from(new Pcg32(3).fillUint32(ROWS), (x) => x & 1);
  const smallMembers = members.subarray(0, WARM_ROWS);
  for (const [type, scores] of [["f32", scores32], ["f64", scores64]] as const) {
    log(`roc ${type}`);
    const bytes = scores.byteLength + members.byteLength;
    const smallScores = scores.subarray(0, WARM_ROWS);
    rows.push({
      name: `auc (${type} scores)`,
      bytes,
      matrix: false,
      times: rounds({
        wasm: { run: () => auc(scores, members), warm: () => auc(smallScores, smallMembers) },
        reference: { run: () => referenceAuc(scores, members), warm: () => referenceAuc(smallScores, smallMembers) },
      }),
    });
    rows.push({
      name: `rocCurve (${type} scores)`,
      bytes,
      matrix: false,
      times: rounds({
        wasm: { run: () => rocCurve(scores, members), warm: () => rocCurve(smallScores, smallMembers) },
        reference: { run: () => referenceRocCurve(scores, members), warm: () => referenceRocCurve(smallScores, smallMembers) },
      }),
    });
  }

  const pct = (x: number | undefined) => (x === undefined ? "—" : `${(100 * x).toFixed(0)}%`);
  const baselineMs = median(rows.flatMap((r) => r.times.baseline ?? []));
  const jsBaselineMs = median(rows.flatMap((r) => r.times.jsBaseline ?? []));
  const jsVsSimd = median(rows.flatMap((r) => (r.times.jsBaseline ?? []).map((t, i) => r.times.baseline![i]! / t)));
  const lines = [
    `Kernel benchmark: ${ROWS.toLocaleString("en-US")} x ${CLASSES} float32 posteriors (${(inputBytes / 1e6).toFixed(0)} MB); ROC over ${ROWS.toLocaleString("en-US")} scores.`,
    `Medians of ${ROUNDS} interleaved rounds; ratios are medians of per-round ratios. wasm = the plain API (copies the input`,
    `into wasm memory); in place = allocatePosteriors (no copy); naive = Array.prototype.sort per row (on ${NAIVE_ROWS.toLocaleString("en-US")} rows, scaled).`,
    `Memory-read baseline (a SIMD wasm sum of the same posteriors held in wasm memory, posteriorSum): median ${fmtMs(baselineMs)} ms = ${gbps(inputBytes, baselineMs).toFixed(2)} GB/s; "% of baseline" = baseline time / kernel time in the same round.`,
    `(The former baseline, a scalar JavaScript sum of the Float32Array: median ${fmtMs(jsBaselineMs)} ms = ${gbps(inputBytes, jsBaselineMs).toFixed(2)} GB/s, ${pct(jsVsSimd)} of the SIMD sum's speed.)`,
    "",
    "| kernel | wasm ms | in place ms | reference ms | naive ms | wasm vs reference | in place vs reference | wasm vs naive | GB/s wasm / in place | % of baseline wasm / in place |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const ms = (r: Row, who: string) => (r.times[who] ? median(r.times[who]!) : undefined);
  for (const r of rows) {
    const wasm = ms(r, "wasm")!;
    const inPlace = ms(r, "inPlace");
    lines.push(
      `| ${r.name} | ${fmtMs(wasm)} | ${fmtMs(inPlace)} | ${fmtMs(ms(r, "reference"))} | ${fmtMs(ms(r, "naive"))} | ` +
        `${fmtRatio(ratio(r, "reference", "wasm"))} | ${fmtRatio(ratio(r, "reference", "inPlace"))} | ${fmtRatio(ratio(r, "naive", "wasm"))} | ` +
        `${gbps(r.bytes, wasm).toFixed(2)} / ${inPlace === undefined ? "—" : gbps(r.bytes, inPlace).toFixed(2)} | ` +
        (r.matrix ? `${pct(ratio(r, "baseline", "wasm"))} / ${pct(ratio(r, "baseline", "inPlace"))} |` : "— |"),
    );
  }
  const top3 = rows[0]!;
  const aucF32 = rows.find((r) => r.name === "auc (f32 scores)")!;
  const rocF32 = rows.find((r) => r.name === "rocCurve (f32 scores)")!;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  const top3VsRef = ratio(top3, "reference", "wasm")!;
  const sweepVsRef = Math.min(ratio(aucF32, "reference", "wasm")!, ratio(rocF32, "reference", "wasm")!);
  const top3Base = ratio(top3, "baseline", "wasm")!;
  const top3BaseInPlace = ratio(top3, "baseline", "inPlace")!;
  const top3BaseInPlaceCpu = ratio(top3, "baseline@cpu", "inPlace@cpu")!;
  lines.push(
    "",
    `Targets: top-3 >= 2x reference: ${fmtRatio(top3VsRef)} (${verdict(top3VsRef >= 2)}); ` +
      `ROC/AUC sweep (f32 scores) >= 2x reference: ${fmtRatio(sweepVsRef)} at worst (${verdict(sweepVsRef >= 2)}); ` +
      `top-3 >= 50% of the SIMD memory-read baseline: ${pct(top3Base)} with the copy (${verdict(top3Base >= 0.5)}), ${pct(top3BaseInPlace)} in place (${verdict(top3BaseInPlace >= 0.5)}); ` +
      `in CPU time, in place: ${pct(top3BaseInPlaceCpu)} (${verdict(top3BaseInPlaceCpu >= 0.5)}).`,
    `Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (2 cores), ${new Date().toISOString()}, ${((performance.now() - started) / 1e3).toFixed(0)} s.`,
  );
  process.stdout.write(lines.join("\n") + "\n");
}

/**
 * The statistics on 2M scores (two shifted normals, half members): DeLong's AUC variance against the
 * plain AUC sweep (same sort, one more pass over the score groups: target within 2x), and the
 * (epsilon, delta) bound over every threshold on the same sweep's counts.
 */
function statistics(): void {
  const n = 2_000_000;
  log("statistics: 2M scores");
  const rng = new Pcg32(21);
  const members = Uint8Array.from(rng.fillUint32(n), (x) => x & 1);
  const scores = Float64Array.from(rng.fillNormal(n), (x, i) => x + 0.5 * members[i]!);
  const small = scores.subarray(0, WARM_ROWS);
  const smallMembers = members.subarray(0, WARM_ROWS);
  const counts = rocAnalysis(scores, members).counts;
  const smallCounts = rocAnalysis(small, smallMembers).counts;
  const times = rounds({
    auc: { run: () => auc(scores, members), warm: () => auc(small, smallMembers) },
    delong: { run: () => aucWithVariance(scores, members), warm: () => aucWithVariance(small, smallMembers) },
    epsilon: { run: () => rocEpsilonLowerBound(counts), warm: () => rocEpsilonLowerBound(smallCounts) },
  });
  const perRound = (a: string, b: string) => median(times[a]!.map((t, i) => t / times[b]![i]!));
  // The advantage's bootstrap (500 resamples) on one attack's sample of npm start (1,156 + 1,156
  // records): ranked once and counted per resample, against a full ROC sweep per resample.
  const m = 2312;
  const bootOptions = { seed: 1, resamples: 500 };
  const boot = rounds({
    sweepPerResample: { run: () => bootstrapInterval(scores.subarray(0, m), members.subarray(0, m), attackerAdvantage, bootOptions), warm: () => bootstrapInterval(scores.subarray(0, 200), members.subarray(0, 200), attackerAdvantage, bootOptions) },
    ranked: { run: () => advantageInterval(scores.subarray(0, m), members.subarray(0, m), bootOptions), warm: () => advantageInterval(scores.subarray(0, 200), members.subarray(0, 200), bootOptions) },
  });
  const bootRatio = median(boot.sweepPerResample!.map((t, i) => t / boot.ranked![i]!));
  const delongRatio = perRound("delong", "auc");
  const bound = rocEpsilonLowerBound(counts);
  process.stdout.write(
    [
      "",
      `Statistics on ${n.toLocaleString("en")} f64 scores (${counts.tp.length.toLocaleString("en")} distinct), medians of ${ROUNDS} interleaved rounds:`,
      `| computation | median ms | / plain AUC sweep |`,
      `|---|---:|---:|`,
      `| auc (plain sweep) | ${fmtMs(median(times.auc!))} | 1.00x |`,
      `| aucWithVariance (DeLong) | ${fmtMs(median(times.delong!))} | ${delongRatio.toFixed(2)}x |`,
      `| (epsilon, delta) bound over all thresholds, on the sweep's counts | ${fmtMs(median(times.epsilon!))} | ${perRound("epsilon", "auc").toFixed(2)}x |`,
      "",
      `Advantage bootstrap, 500 resamples of ${m.toLocaleString("en")} records: a ROC sweep per resample ${fmtMs(median(boot.sweepPerResample!))} ms, ranked once ${fmtMs(median(boot.ranked!))} ms: ${bootRatio.toFixed(1)}x faster (same interval to the last bit).`,
      `Target: DeLong within 2x of the plain AUC sweep: ${delongRatio.toFixed(2)}x (${delongRatio <= 2 ? "met" : "NOT met"}). Epsilon bound found: ${bound.epsilon.toFixed(3)} at delta ${bound.delta}.`,
    ].join("\n") + "\n",
  );
}

await initKernels();
if (process.env.MLLEAKS_BENCH_ONLY !== "statistics") await main();
statistics();
