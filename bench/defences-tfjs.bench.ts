// npm run bench:defences-tfjs: training throughput (samples/s, batch 100) of the training-time
// defences on the tfjs engine beside plain training, measured in the same run: DP-SGD by
// microbatches of one (tfjs has no per-example gradients; one extra backward pass per example),
// RelaxLoss and adversarial regularisation. Medians of BENCH_RUNS epochs; the ratios to plain
// training hold up on a loaded machine better than the absolute figures.
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createClassifier, initModelBackend, type ModelKind } from "../src/models/index.js";
import type { TrainOptions } from "../src/models/types.js";
import type { LabeledData } from "../src/types.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 100;

function synthetic(rows: number, shape: number[], classes: number, seed: number): LabeledData {
  const rng = new Pcg32(seed, 7);
  const size = shape.reduce((a, b) => a * b, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const binary = shape.length === 1;
  const features = Float32Array.from(rng.fillFloat64(rows * size), (u) => (binary ? (u < 0.2 ? 1 : 0) : u));
  return { features, recordShape: shape, labels, numClasses: classes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Samples/s of one epoch, per training setting; the settings take turns each run, so a shared
 *  machine's changing load falls on all of them alike. Medians over the runs. */
async function samplesPerSecond(kind: ModelKind, data: LabeledData, settings: readonly Omit<TrainOptions, "seed">[]): Promise<number[]> {
  const figures = settings.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, options] of settings.entries()) {
      const model = await createClassifier(kind, { inputShape: data.recordShape, numClasses: data.numClasses, engine: "tfjs" });
      const summary = await model.fit(data, { seed: run, epochs: 1, batchSize: BATCH, ...options });
      figures[i]!.push(summary.samplesPerSecond);
      model.dispose();
    }
  }
  return figures.map(median);
}

await initKernels();
await initModelBackend();
const models = [
  { name: "CNN 28x28x1, 10 classes", kind: "cnn" as ModelKind, data: synthetic(500, [28, 28, 1], 10, 1), reference: synthetic(500, [28, 28, 1], 10, 2) },
  { name: "MLP 600->128->100", kind: "mlp" as ModelKind, data: synthetic(3000, [600], 100, 1), reference: synthetic(3000, [600], 100, 2) },
];
for (const { name, kind, data, reference } of models) {
  const defences: [string, Omit<TrainOptions, "seed">][] = [
    ["plain", {}],
    ["DP-SGD (clip 1, noise 1.1, Poisson)", { dpSgd: { clipNorm: 1, noiseMultiplier: 1.1, sampling: "poisson" } }],
    ["RelaxLoss (alpha 1)", { relaxLoss: { alpha: 1 } }],
    ["adversarial regularisation (lambda 3, 1 step)", { adversarialRegularization: { lambda: 3, steps: 1, reference } }],
  ];
  const figures = await samplesPerSecond(kind, data, defences.map(([, options]) => options));
  console.log(`${name}: plain ${Math.round(figures[0]!)} samples/s (median of ${RUNS} epochs)`);
  defences.slice(1).forEach(([defence], i) => console.log(`  ${defence}: ${Math.round(figures[i + 1]!)} samples/s, ${(figures[i + 1]! / figures[0]!).toFixed(3)} of plain`));
}
