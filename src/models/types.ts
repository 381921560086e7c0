// The model contract: every classifier (tfjs on wasm, the fused dense engine, a stacked ensemble)
// trains with fit() and answers predict() with posteriors, so attacks never care which they face.
import type { LabeledData, PosteriorModel } from "../types.js";
import type { DpSgdSettings } from "./dense/trainer.js";
import type { EarlyStoppingSettings } from "./early-stopping.js";

/** The paper's target/shadow models (cnn, mlp), the attack model, and more kinds for the
 *  model-independence experiments (logreg, deep-mlp); "layers": the architecture of a tfjs
 *  LayersModel (ModelSpec.topology), rebuilt with fresh seeded weights (shadows of a user's model). */
export type ModelKind = BuiltInModelKind | "layers";
export type BuiltInModelKind = "cnn" | "mlp" | "logreg" | "deep-mlp" | "attack-mlp";
/** The kinds with a built-in architecture (src/models/architectures.ts). */
export const MODEL_KINDS: readonly BuiltInModelKind[] = ["cnn", "mlp", "logreg", "deep-mlp", "attack-mlp"];

/** Who trains the model: tfjs on tfjs-backend-wasm, or the fused AssemblyScript dense trainer
 *  (dense kinds only: mlp, logreg, deep-mlp, attack-mlp). */
export type Engine = "tfjs" | "fused";

export interface ModelSpec {
  /** One record's shape: [28, 28, 1] for the CNN, [600] for dense models (others are flattened). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Dropout rate after each hidden dense layer (the paper's defence); 0 or absent: none. */
  readonly dropout?: number;
  /** Default "tfjs". */
  readonly engine?: Engine;
  /** Kind "layers" only: a tfjs LayersModel's topology (model.json's `modelTopology`, plain JSON). */
  readonly topology?: unknown;
}

export interface EpochInfo {
  /** 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss (cross-entropy + L2) over the epoch's batches. */
  readonly loss: number;
  /** Training accuracy over the epoch's batches (with dropout active, as trained). */
  readonly accuracy: number;
  readonly seconds: number;
}

export interface TrainOptions {
  /** Seeds initial weights, batch order and dropout masks (through Pcg32). */
  readonly seed: number;
  /** Default 50. */
  readonly epochs?: number;
  /** Default 100; the last batch of an epoch may be smaller. */
  readonly batchSize?: number;
  /** Adam's learning rate, default 0.001. */
  readonly learningRate?: number;
  /** L2 penalty on kernels (not biases), default 1e-7. */
  readonly l2?: number;
  /** Label smoothing e of the training targets: (1 - e) onehot + e / classes; default 0. */
  readonly labelSmoothing?: number;
  /** DP-SGD (per-example clipping and Gaussian noise): the fused dense engine, and the tfjs engine by microbatches of one. */
  readonly dpSgd?: DpSgdSettings;
  /** RelaxLoss (Chen et al. 2022; the tfjs engine). */
  readonly relaxLoss?: RelaxLossSettings;
  /** Adversarial regularisation (Nasr et al. 2018; the tfjs engine). */
  readonly adversarialRegularization?: AdversarialRegularizationSettings;
  /** HAMP's entropy regulariser (Chen and Pattabiraman 2024; the tfjs engine). */
  readonly entropyRegularizer?: EntropyRegularizerSettings;
  /** Stop once the loss on a held-out validation split has not improved for `patience` epochs; keep the best epoch's weights. */
  readonly earlyStopping?: EarlyStoppingSettings;
  onEpoch?(info: EpochInfo): void;
  /** Aborting stops training between batches; fit() then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** RelaxLoss: while the batch's mean cross-entropy is below alpha, odd epochs flatten the posteriors of
 *  correctly classified examples (soft targets keep the true class's probability and spread the rest
 *  evenly) and even epochs ascend the loss; above alpha, plain descent. */
export interface RelaxLossSettings {
  readonly alpha: number;
}

/** HAMP's entropy regulariser: the loss is the mean cross-entropy against the targets minus alpha
 *  times the mean entropy of the model's output (alpha >= 0; 0 is plain cross-entropy). */
export interface EntropyRegularizerSettings {
  readonly alpha: number;
}

/** Adversarial regularisation: before each classifier step, `steps` steps train an inference model
 *  h(f(x), y) to tell members from `reference` records (same distribution, never trained on); the
 *  classifier then minimises cross-entropy + lambda * mean log h over its batch (h's gain on members). */
export interface AdversarialRegularizationSettings {
  readonly lambda: number;
  readonly steps: number;
  /** The defender's reference set: records the target never trains on. */
  readonly reference: LabeledData;
}

export const TRAIN_DEFAULTS = { epochs: 50, batchSize: 100, learningRate: 0.001, l2: 1e-7 } as const;

export interface TrainSummary {
  readonly epochs: number;
  readonly steps: number;
  readonly samples: number;
  readonly finalLoss: number;
  readonly finalAccuracy: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** With early stopping: the epoch whose weights were kept (lowest validation loss). */
  readonly bestEpoch?: number;
  /** "tfjs-wasm", "tfjs-cpu", "fused", "stacked". */
  readonly engine: string;
}

export interface Classifier extends PosteriorModel {
  readonly kind: ModelKind | "stacked";
  readonly inputShape: readonly number[];
  fit(data: LabeledData, options: TrainOptions): Promise<TrainSummary>;
  /** Trainable weights in a fixed order (layer by layer, kernel then bias), copies. */
  weights(): Float32Array[];
  /** SHA-256 of weights() concatenated: equal hashes mean bit-identical models. */
  weightsSha256(): Promise<string>;
  dispose(): void;
}

/** createClassifier(kind, spec) in src/models/create.ts; engines plug in with registerEngine(). */
export type ClassifierFactory = (kind: ModelKind, spec: ModelSpec) => Promise<Classifier>;
