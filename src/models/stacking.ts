// Model stacking, the paper's second defence: base models of different kinds, each trained on its
// own disjoint part of the training data, and a logistic-regression meta model trained on yet
// another disjoint part over the bases' posteriors (concatenated). No single model sees every
// record. predict() is the same as any other target's.
import { Pcg32 } from "../kernels/random.js";
import type { LabeledData, PosteriorModel, Posteriors } from "../types.js";
import { sha256OfArrays } from "../util/sha256.js";
import { createClassifier } from "./create.js";
import { RNG_STREAM } from "./init.js";
import type { Classifier, Engine, EpochInfo, ModelKind, TrainOptions, TrainSummary } from "./types.js";
import { checkPredictInput, checkTrainingData, recordSize } from "./validate.js";

export interface StackingSpec {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Kinds of the base models (at least two); default [cnn, mlp] for images, [mlp, logreg] otherwise. */
  readonly baseKinds?: readonly ModelKind[];
  /** Dropout of the base models (0: none). */
  readonly dropout?: number;
  readonly engine?: Engine;
  /** Adam's learning rate for the small meta model (default 0.01). */
  readonly metaLearningRate?: number;
}

export function defaultBaseKinds(inputShape: readonly number[]): ModelKind[] {
  const image = inputShape.length === 3 && inputShape[0]! >= 16 && inputShape[1]! >= 16;
  return image ? ["cnn", "mlp"] : ["mlp", "logreg"];
}

export class StackedClassifier implements Classifier {
  readonly kind = "stacked" as const;
  private constructor(
    readonly inputShape: readonly number[],
    readonly numClasses: number,
    readonly bases: readonly Classifier[],
    readonly meta: Classifier,
    private readonly metaLearningRate: number,
  ) {}

  static async create(spec: StackingSpec): Promise<StackedClassifier> {
    const kinds = spec.baseKinds ?? defaultBaseKinds(spec.inputShape);
    if (kinds.length < 2) throw new Error(`baseKinds: stacking needs at least two base models, got ${JSON.stringify(kinds)}`);
    const engine = spec.engine;
    const bases: Classifier[] = [];
    for (const kind of kinds) {
      bases.push(await createClassifier(kind, { inputShape: spec.inputShape, numClasses: spec.numClasses, dropout: kind === "logreg" ? 0 : spec.dropout, engine }));
    }
    const meta = await createClassifier("logreg", { inputShape: [kinds.length * spec.numClasses], numClasses: spec.numClasses, engine });
    return new StackedClassifier(spec.inputShape, spec.numClasses, bases, meta, spec.metaLearningRate ?? 0.01);
  }

  /** Splits the data (seeded) into bases + 1 disjoint equal parts: part i trains base i, the last
   *  trains the meta model on the bases' posteriors. Progress counts epochs across all stages. */
  async fit(data: LabeledData, options: TrainOptions): Promise<TrainSummary> {
    const rows = checkTrainingData(data, this.inputShape, this.numClasses);
    const stages = this.bases.length + 1;
    const partSize = Math.floor(rows / stages);
    if (partSize < 1) throw new Error(`data: stacking needs at least ${stages} records (one per part), got ${rows}`);
    const started = performance.now();
    const rng = new Pcg32(options.seed, RNG_STREAM.stackingSplit);
    const order = rng.permutation(rows);
    const seeds = Array.from(rng.fillUint32(stages));
    const parts = Array.from({ length: stages }, (_, i) => subset(data, order.subarray(i * partSize, (i + 1) * partSize)));
    const epochs = options.epochs ?? 50;
    const progress = (stage: number) => (info: EpochInfo) =>
      options.onEpoch?.({ ...info, epoch: stage * epochs + info.epoch, epochs: stages * epochs });
    let steps = 0;
    for (let i = 0; i < this.bases.length; i++) {
      const s = await this.bases[i]!.fit(parts[i]!, { ...options, seed: seeds[i]!, onEpoch: progress(i) });
      steps += s.steps;
    }
    const metaPart = parts[stages - 1]!;
    const metaData: LabeledData = { ...metaPart, features: await this.metaFeatures(metaPart.features, partSize), recordShape: [this.bases.length * this.numClasses] };
    const last = await this.meta.fit(metaData, { ...options, seed: seeds[stages - 1]!, learningRate: this.metaLearningRate, l2: options.l2, onEpoch: progress(stages - 1) });
    steps += last.steps;
    const seconds = (performance.now() - started) / 1000;
    return {
      epochs,
      steps,
      samples: partSize * stages * epochs,
      finalLoss: last.finalLoss,
      finalAccuracy: last.finalAccuracy,
      seconds,
      samplesPerSecond: (partSize * stages * epochs) / seconds,
      engine: "stacked",
    };
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    checkPredictInput(features, rows, this.inputShape);
    return this.meta.predict(await this.metaFeatures(features, rows), rows);
  }

  private metaFeatures(features: Float32Array, rows: number): Promise<Float32Array> {
    return concatenatedPosteriors(this.bases, features, rows);
  }

  weights(): Float32Array[] {
    return [...this.bases.flatMap((b) => b.weights()), ...this.meta.weights()];
  }

  async weightsSha256(): Promise<string> {
    return sha256OfArrays(this.weights());
  }

  dispose(): void {
    for (const b of this.bases) b.dispose();
    this.meta.dispose();
  }
}

/** Row r: base 0's posteriors for record r, then base 1's, ... (the meta model's input). */
async function concatenatedPosteriors(bases: readonly PosteriorModel[], features: Float32Array, rows: number): Promise<Float32Array> {
  const answers = [];
  for (const b of bases) answers.push(await b.predict(features, rows));
  const width = answers.reduce((n, p) => n + p.classes, 0);
  const out = new Float32Array(rows * width);
  let offset = 0;
  for (const p of answers) {
    for (let r = 0; r < rows; r++) out.set(p.values.subarray(r * p.classes, (r + 1) * p.classes), r * width + offset);
    offset += p.classes;
  }
  return out;
}

/** A stacked model from already trained parts (e.g. loaded from disk). */
export function stackPosteriorModels(bases: ReadonlyArray<PosteriorModel & { readonly inputShape: readonly number[] }>, meta: PosteriorModel): PosteriorModel & { readonly inputShape: readonly number[] } {
  const inputShape = bases[0]!.inputShape;
  if (bases.some((b) => JSON.stringify(b.inputShape) !== JSON.stringify(inputShape))) throw new Error("stacking: the base models take different input shapes");
  return {
    kind: "stacked",
    numClasses: meta.numClasses,
    inputShape,
    async predict(features: Float32Array, rows: number): Promise<Posteriors> {
      checkPredictInput(features, rows, inputShape);
      return meta.predict(await concatenatedPosteriors(bases, features, rows), rows);
    },
  };
}

/** createStackedClassifier(spec): an untrained stacked model; fit() then predict(). */
export function createStackedClassifier(spec: StackingSpec): Promise<StackedClassifier> {
  return StackedClassifier.create(spec);
}

function subset(data: LabeledData, rows: Int32Array): LabeledData {
  const size = recordSize(data.recordShape);
  const features = new Float32Array(rows.length * size);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    features.set(data.features.subarray(r * size, (r + 1) * size), i * size);
    labels[i] = data.labels[r]!;
  });
  return { features, recordShape: data.recordShape, labels, numClasses: data.numClasses };
}
