// npm run bench:training: training throughput (samples/s, batch 100, Adam) of the paper's CNN on
// 28x28x1 and 32x32x3 images and of the MLP (600 binary features -> 100 classes), on
// tfjs-backend-wasm (with the project's kernels) and tfjs-backend-cpu in the same run, plus the
// time per batch spent outside kernels (op dispatch, JS glue). Medians of several runs. On a shared
// machine wall-clock figures sink with the load: samples per CPU-second (this process's user+system
// time) hold up better, and the ratios measured in the same run hold up best.
import * as tf from "../src/models/tfjs/tf.js";
import "@tensorflow/tfjs-backend-cpu";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createClassifier, initModelBackend, type ModelKind } from "../src/models/index.js";
import type { LabeledData } from "../src/types.js";

interface Config {
  readonly name: string;
  readonly kind: ModelKind;
  readonly shape: number[];
  readonly classes: number;
  /** Records per timed epoch on wasm, and on cpu (much slower). */
  readonly rows: number;
  readonly cpuRows: number;
}

const configs: Config[] = [
  { name: "CNN 28x28x1", kind: "cnn", shape: [28, 28, 1], classes: 10, rows: 500, cpuRows: 100 },
  { name: "CNN 32x32x3", kind: "cnn", shape: [32, 32, 3], classes: 10, rows: 500, cpuRows: 100 },
  { name: "MLP 600->100", kind: "mlp", shape: [600], classes: 100, rows: 5000, cpuRows: 500 },
];
/**
 * PyTorch CPU samples per CPU-second on one thread (batch 100, Adam), the paper CNN. PyTorch cannot
 * be installed here, so these are the figures issue 16 quotes: measured side by side on this
 * 2-core machine, the project's CNN (1,086 and 731 samples/CPU-s, README 2026-11-29) ran 1.25-1.4x
 * PyTorch's one thread, i.e. PyTorch ~800 (28x28x1) and ~550 (32x32x3). Target: 2x per core.
 */
const PYTORCH_SAMPLES_PER_CPU_SECOND: Record<string, number> = { "CNN 28x28x1": 800, "CNN 32x32x3": 550 };
const PYTORCH_TARGET_RATIO = 2;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CPU_RUNS = Number(process.env.BENCH_CPU_RUNS ?? 0);
const BATCH = 100;
/** BENCH_SKIP_CPU=1: wasm rows only (the cpu backend's CNN takes minutes). */
const SKIP_CPU = process.env.BENCH_SKIP_CPU === "1";

function synthetic(rows: number, shape: number[], classes: number): LabeledData {
  const rng = new Pcg32(1, 7);
  const size = shape.reduce((a, b) => a * b, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const binary = shape.length === 1;
  const features = Float32Array.from(rng.fillFloat64(rows * size), (u) => (binary ? (u < 0.2 ? 1 : 0) : u));
  return { features, recordShape: shape, labels, numClasses: classes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Measured {
  samplesPerSecond: number;
  /** Samples per second of this process's CPU time: less sensitive to a shared machine's load. */
  samplesPerCpuSecond: number;
  msPerBatch: number;
  /** Wall time per batch minus the time inside kernels (from tf.profile). */
  outsideKernelsMs: number;
  kernelsPerBatch: number;
  /** Time inside each kernel (by name), ms per batch, largest first. */
  kernelProfile: Array<[string, number]>;
}

async function measure(config: Config, backend: "wasm" | "cpu", rows: number, runs: number): Promise<Measured> {
  await tf.setBackend(backend);
  const model = await createClassifier(config.kind, { inputShape: config.shape, numClasses: config.classes });
  await tf.setBackend(backend); // createClassifier initialises wasm; measure on the backend asked for
  const data = synthetic(rows, config.shape, config.classes);
  const batches = Math.ceil(rows / BATCH);
  if (backend === "wasm") await model.fit(data, { seed: 1, epochs: 1, batchSize: BATCH }); // warm-up
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cpuStart = process.cpuUsage();
    const summary = await model.fit(data, { seed: 1, epochs: 1, batchSize: BATCH });
    const used = process.cpuUsage(cpuStart);
    rates.push(summary.samplesPerSecond);
    cpuRates.push((1e6 * rows) / (used.user + used.system));
  }
  // One more epoch under tf.profile for the kernel count and the time outside kernels (on cpu,
  // whose CNN takes minutes an epoch, this is the only timed epoch).
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const profile = await tf.profile(async () => {
    await model.fit(data, { seed: 1, epochs: 1, batchSize: BATCH });
  });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpuStart);
  if (runs === 0) {
    rates.push((1000 * rows) / wall);
    cpuRates.push((1e6 * rows) / (used.user + used.system));
  }
  const kernelMs = profile.kernels.reduce((t, k) => t + (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0), 0);
  model.dispose();
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0) / batches);
  const samplesPerSecond = median(rates);
  return {
    samplesPerSecond,
    samplesPerCpuSecond: median(cpuRates),
    msPerBatch: (1000 * BATCH) / samplesPerSecond,
    outsideKernelsMs: Math.max(0, wall - kernelMs) / batches,
    kernelsPerBatch: profile.kernels.length / batches,
    kernelProfile: [...byKernel].sort((a, b) => b[1] - a[1]),
  };
}

await initKernels();
const info = await initModelBackend();
console.log(`tfjs ${info.tfjsVersion}, tfjs-backend-wasm: simd ${info.simd}, threads ${info.threads}; batch ${BATCH}, Adam; median of ${RUNS} epochs (cpu: ${Math.max(1, CPU_RUNS)})`);
console.log("");
const header = ["model", "backend", "samples/s", "samples/CPU-s", "ms/batch", "outside kernels ms/batch", "kernel calls/batch", "wasm vs cpu"];
const widths = [14, 10, 10, 14, 9, 25, 19, 12];
const format = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(format(header));
for (const config of configs) {
  const row = (backend: string, m: Measured, ratio: string) =>
    format([config.name, backend, m.samplesPerSecond.toFixed(m.samplesPerSecond < 100 ? 1 : 0), m.samplesPerCpuSecond.toFixed(m.samplesPerCpuSecond < 100 ? 1 : 0), m.msPerBatch.toFixed(1), m.outsideKernelsMs.toFixed(2), m.kernelsPerBatch.toFixed(0), ratio]);
  const wasm = await measure(config, "wasm", config.rows, RUNS);
  console.log(row("tfjs wasm", wasm, ""));
  const pytorch = PYTORCH_SAMPLES_PER_CPU_SECOND[config.name];
  if (pytorch !== undefined) {
    const ratio = wasm.samplesPerCpuSecond / pytorch;
    console.log(`    vs PyTorch CPU one thread (~${pytorch} samples/CPU-s quoted by issue 16 from 2026-11-29, when the base measured 1,086 / 731; compare the base on the same day, README): ${ratio.toFixed(2)}x per core; target ${PYTORCH_TARGET_RATIO}x (${PYTORCH_TARGET_RATIO * pytorch}) ${ratio >= PYTORCH_TARGET_RATIO ? "met" : "not met"}`);
    const top = wasm.kernelProfile.slice(0, 8).map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(", ");
    console.log(`    ms/batch inside kernels (the profiled epoch): ${top}`);
  }
  if (SKIP_CPU) continue;
  const cpu = await measure(config, "cpu", config.cpuRows, CPU_RUNS);
  console.log(row("tfjs cpu", cpu, `wasm ${(wasm.samplesPerSecond / cpu.samplesPerSecond).toFixed(0)}x`));
  await tf.setBackend("wasm");
}
console.log(`\ntargets (2-core machine): CNN >= 600 samples/s and >= ${PYTORCH_TARGET_RATIO}x PyTorch CPU per core (samples per CPU-second), MLP >= 30,000 samples/s`);
