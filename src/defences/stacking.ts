// Model stacking, the paper's second defence, written once: base models of different kinds, each
// trained on its own disjoint part of the training data, and a logistic-regression meta model
// trained on yet another disjoint part over the bases' log-posteriors. No single model sees every
// record. `mlleaks train --stacking` (StackedClassifier) and `audit --defence stacking` (the job
// plan below) share the split, the seeds, the meta features and the meta learning rate, so for one
// seed and one set of training options they give the same weights.
import { Pcg32 } from "../kernels/random.js";
import { createClassifier } from "../models/create.js";
import type { Classifier, Engine, EpochInfo, ModelKind, TrainOptions, TrainSummary } from "../models/types.js";
import { checkPredictInput, checkTrainingData, recordSize } from "../models/validate.js";
import type { LabeledData, PosteriorModel, Posteriors } from "../types.js";
import { sha256Hex, sha256OfArrays } from "../util/sha256.js";
import type { Defence } from "./types.js";
import * as portable from "../util/portable-math.js";

/**
 * The meta model learns from a third of the training data: at the paper's 0.001 it barely moves in
 * 50 epochs (purchase: 14% test accuracy against 45% at 0.01), so it learns ten times faster.
 */
export const STACKING_META_LEARNING_RATE = 0.01;
/** The PCG32 stream of the seeded split. */
const SPLIT_STREAM = 1;

export function defaultBaseKinds(inputShape: readonly number[]): ModelKind[] {
  const image = inputShape.length === 3 && inputShape[0]! >= 16 && inputShape[1]! >= 16;
  return image ? ["cnn", "mlp"] : ["mlp", "logreg"];
}

/**
 * The seeded plan for `rows` records and `bases` base models: bases + 1 disjoint equal parts (row
 * indices, sorted), part i training base i and the last the meta model; base i trains with seed
 * seed + i + 1, the meta model with seed itself.
 */
export function stackingPlan(rows: number, bases: number, seed: number): { parts: Int32Array[]; baseSeeds: number[]; metaSeed: number } {
  const stages = bases + 1;
  const partSize = Math.floor(rows / stages);
  if (partSize < 1) throw new Error(`data: stacking needs at least ${stages} records (one per part), got ${rows}`);
  const order = new Pcg32(seed, SPLIT_STREAM).permutation(rows);
  const parts = Array.from({ length: stages }, (_, i) => order.slice(i * partSize, (i + 1) * partSize).sort());
  return { parts, baseSeeds: Array.from({ length: bases }, (_, i) => seed + i + 1), metaSeed: seed };
}

/**
 * The meta model's input: the bases' log-posteriors side by side (row r is row r of every base).
 * On log-probabilities the logistic-regression meta model starts as a product of the experts
 * instead of having to learn one from probabilities.
 */
export function stackingFeatures(parts: readonly Posteriors[]): Float32Array {
  const rows = parts[0]!.rows;
  const width = parts.reduce((n, p) => n + p.classes, 0);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let offset = r * width;
    for (const p of parts) {
      for (let c = 0; c < p.classes; c++) out[offset + c] = portable.log(Math.max(p.values[r * p.classes + c]!, 1e-6));
      offset += p.classes;
    }
  }
  return out;
}

export function subsetRows(data: LabeledData, rows: Int32Array): LabeledData {
  const size = recordSize(data.recordShape);
  const features = new Float32Array(rows.length * size);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    features.set(data.features.subarray(r * size, (r + 1) * size), i * size);
    labels[i] = data.labels[r]!;
  });
  return { features, recordShape: data.recordShape, labels, numClasses: data.numClasses };
}

/** The SHA-256 a stacked model reports: of its parts' hashes, bases first. */
export function stackedWeightsSha256(partHashes: readonly string[]): Promise<string> {
  return sha256Hex(partHashes.join("\n"));
}

export interface StackingSpec {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Kinds of the base models (at least two); default [cnn, mlp] for images, [mlp, logreg] otherwise. */
  readonly baseKinds?: readonly ModelKind[];
  readonly engine?: Engine;
}

export class StackedClassifier implements Classifier {
  readonly kind = "stacked" as const;
  private constructor(
    readonly inputShape: readonly number[],
    readonly numClasses: number,
    readonly bases: readonly Classifier[],
    readonly meta: Classifier,
  ) {}

  static async create(spec: StackingSpec): Promise<StackedClassifier> {
    const kinds = spec.baseKinds ?? defaultBaseKinds(spec.inputShape);
    if (kinds.length < 2) throw new Error(`baseKinds: stacking needs at least two base models, got ${JSON.stringify(kinds)}`);
    const bases: Classifier[] = [];
    for (const kind of kinds) bases.push(await createClassifier(kind, { inputShape: spec.inputShape, numClasses: spec.numClasses, engine: spec.engine }));
    const meta = await createClassifier("logreg", { inputShape: [kinds.length * spec.numClasses], numClasses: spec.numClasses, engine: spec.engine });
    return new StackedClassifier(spec.inputShape, spec.numClasses, bases, meta);
  }

  /** Trains as stackingPlan() says; progress counts epochs across all stages. */
  async fit(data: LabeledData, options: TrainOptions): Promise<TrainSummary> {
    const rows = checkTrainingData(data, this.inputShape, this.numClasses);
    const plan = stackingPlan(rows, this.bases.length, options.seed);
    const stages = plan.parts.length;
    const started = performance.now();
    const epochs = options.epochs ?? 50;
    const progress = (stage: number) => (info: EpochInfo) => options.onEpoch?.({ ...info, epoch: stage * epochs + info.epoch, epochs: stages * epochs });
    let steps = 0;
    for (let i = 0; i < this.bases.length; i++) {
      const s = await this.bases[i]!.fit(subsetRows(data, plan.parts[i]!), { ...options, seed: plan.baseSeeds[i]!, onEpoch: progress(i) });
      steps += s.steps;
    }
    const metaPart = subsetRows(data, plan.parts[stages - 1]!);
    const metaData: LabeledData = { ...metaPart, features: await this.metaFeatures(metaPart.features, metaPart.labels.length), recordShape: [this.bases.length * this.numClasses] };
    const last = await this.meta.fit(metaData, { ...options, seed: plan.metaSeed, learningRate: STACKING_META_LEARNING_RATE, onEpoch: progress(stages - 1) });
    steps += last.steps;
    const seconds = (performance.now() - started) / 1000;
    const samples = plan.parts[0]!.length * stages * epochs;
    return { epochs, steps, samples, finalLoss: last.finalLoss, finalAccuracy: last.finalAccuracy, seconds, samplesPerSecond: samples / seconds, engine: "stacked" };
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    checkPredictInput(features, rows, this.inputShape);
    return this.meta.predict(await this.metaFeatures(features, rows), rows);
  }

  private metaFeatures(features: Float32Array, rows: number): Promise<Float32Array> {
    return basesFeatures(this.bases, features, rows);
  }

  weights(): Float32Array[] {
    return [...this.bases.flatMap((b) => b.weights()), ...this.meta.weights()];
  }

  /** SHA-256 of weights() concatenated, as every Classifier (meta.json's weightsSha256). */
  async weightsSha256(): Promise<string> {
    return sha256OfArrays(this.weights());
  }

  /** The hash the audit reports for its stacking defence: of the parts' own hashes, bases first. */
  async partsSha256(): Promise<string> {
    const parts: string[] = [];
    for (const m of [...this.bases, this.meta]) parts.push(await m.weightsSha256());
    return stackedWeightsSha256(parts);
  }

  dispose(): void {
    for (const b of this.bases) b.dispose();
    this.meta.dispose();
  }
}

async function basesFeatures(bases: readonly PosteriorModel[], features: Float32Array, rows: number): Promise<Float32Array> {
  const answers = [];
  for (const b of bases) answers.push(await b.predict(features, rows));
  return stackingFeatures(answers);
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
      return meta.predict(await basesFeatures(bases, features, rows), rows);
    },
  };
}

/** createStackedClassifier(spec): an untrained stacked model; fit() then predict(). */
export function createStackedClassifier(spec: StackingSpec): Promise<StackedClassifier> {
  return StackedClassifier.create(spec);
}

/** The audit's stacking target: the same plan as StackedClassifier.fit, as jobs. */
export const stackingDefence: Defence = {
  name: "stacking",
  summary: "model stacking: base models on disjoint parts, a logistic-regression meta model on another",
  label: () => "stacking",
  plan(ctx) {
    const kinds = ctx.settings.stackingModels;
    const plan = stackingPlan(ctx.train.labels.length, kinds.length, ctx.seeds.defence);
    const meta = subsetRows(ctx.train, plan.parts[kinds.length]!);
    const metaQuery = { features: meta.features, rows: meta.labels.length };
    const jobs = kinds.map((kind, i) => ({
      label: `stacking base ${kind}`,
      job: ctx.job(kind, subsetRows(ctx.train, plan.parts[i]!), plan.baseSeeds[i]!, [metaQuery, ...ctx.queries]),
    }));
    return {
      jobs,
      laterJobs: 1,
      async finish(results, train) {
        const side = (q: number) => stackingFeatures(results.map((r) => r.posteriors[q]!));
        const metaData: LabeledData = { features: side(0), recordShape: [kinds.length * meta.numClasses], labels: meta.labels, numClasses: meta.numClasses };
        const metaJob = ctx.job("logreg", metaData, plan.metaSeed, ctx.queries.map((q, i) => ({ features: side(i + 1), rows: q.rows })), { options: { learningRate: STACKING_META_LEARNING_RATE } });
        const metaResult = await train("stacking meta logreg", metaJob);
        return {
          answers: metaResult.posteriors,
          kind: `stacked (${kinds.join(" + ")} -> logreg)`,
          weightsSha256: await stackedWeightsSha256([...results.map((r) => r.weightsSha256), metaResult.weightsSha256]),
        };
      },
    };
  },
};
