// Training objectives of the tfjs engine, each as its gradient at the logits: the seeded loop
// backpropagates whatever an objective returns, so plain cross-entropy, RelaxLoss (Chen et al.
// 2022), adversarial regularisation (Nasr et al. 2018) and HAMP's entropy regulariser (Chen and
// Pattabiraman 2024) share one loop and one set of weights.
// The adversary of adversarial regularisation is a small MLP in plain TypeScript (IEEE arithmetic,
// the portable exp): the same bits in every runtime.
import * as tf from "./tf.js";
import { Pcg32 } from "../../kernels/random.js";
import type { LabeledData } from "../../types.js";
import * as portable from "../../util/portable-math.js";
import { Adam, softmaxCrossEntropy } from "../adam.js";
import { glorotUniform } from "../init.js";
import type { AdversarialRegularizationSettings, EntropyRegularizerSettings, RelaxLossSettings } from "../types.js";
import { recordSize } from "../validate.js";

/** One training batch at the moment its gradient is taken. */
export interface ObjectiveBatch {
  readonly logits: tf.Tensor2D;
  /** One-hot (or smoothed) targets. */
  readonly targets: tf.Tensor2D;
  /** The logits' values. */
  readonly z: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
  /** 1-based. */
  readonly epoch: number;
}

export interface Objective {
  /** d(batch objective)/d(logits). */
  logitGradient(batch: ObjectiveBatch): tf.Tensor;
  /** Runs before each classifier step (adversarial regularisation trains its adversary here). */
  beforeStep?(): void;
}

/** Mean softmax cross-entropy's gradient, (softmax - targets) * scale (a number or a [rows, 1] column). */
export function crossEntropyGradient(batch: ObjectiveBatch, scale: number | tf.Tensor = 1 / batch.rows): tf.Tensor {
  return tf.mul(tf.sub(tf.softmax(batch.logits), batch.targets), scale);
}

export const crossEntropyObjective: Objective = { logitGradient: (batch) => crossEntropyGradient(batch) };

function argmaxRow(values: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (values[row * classes + c]! > values[row * classes + best]!) best = c;
  return best;
}

/** RelaxLoss's posterior flattening: a correctly classified row keeps its true class's probability
 *  and spreads the rest evenly over the other classes; a misclassified row keeps its one-hot target. */
export function flattenedTargets(probabilities: Float32Array, logits: Float32Array, labels: Int32Array, classes: number): Float32Array {
  const targets = new Float32Array(labels.length * classes);
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r]!;
    if (argmaxRow(logits, r, classes) !== label) {
      targets[r * classes + label] = 1;
      continue;
    }
    const kept = probabilities[r * classes + label]!;
    targets.fill((1 - kept) / (classes - 1), r * classes, (r + 1) * classes);
    targets[r * classes + label] = kept;
  }
  return targets;
}

export function checkRelaxLoss(settings: RelaxLossSettings): void {
  if (!(settings.alpha > 0 && Number.isFinite(settings.alpha))) throw new RangeError(`relaxLoss.alpha: expected a finite number > 0 (the target loss level), got ${String(settings.alpha)}`);
}

/** RelaxLoss (Chen, Yu and Fritz, ICLR 2022, Algorithm 1): descend while the batch's loss is at least
 *  alpha; below it, ascend on even epochs and flatten the posteriors on odd ones. */
export function relaxLossObjective(settings: RelaxLossSettings, classes: number): Objective {
  checkRelaxLoss(settings);
  return {
    logitGradient(batch) {
      if (softmaxCrossEntropy(batch.z, batch.labels, classes) >= settings.alpha) return crossEntropyGradient(batch);
      if (batch.epoch % 2 === 0) return crossEntropyGradient(batch, -1 / batch.rows);
      const probabilities = tf.softmax(batch.logits);
      const targets = flattenedTargets(probabilities.dataSync() as Float32Array, batch.z, batch.labels, classes);
      return tf.mul(tf.sub(probabilities, tf.tensor2d(targets, [batch.rows, classes])), 1 / batch.rows);
    },
  };
}

export function checkEntropyRegularizer(settings: EntropyRegularizerSettings): void {
  if (!(settings.alpha >= 0 && Number.isFinite(settings.alpha))) throw new RangeError(`entropyRegularizer.alpha: expected a finite number >= 0 (the weight of the output's entropy), got ${String(settings.alpha)}`);
}

/** d(-alpha * mean H(softmax(z)))/dz over `rows` rows of probabilities p: alpha / rows * p_i (log p_i + H)
 *  per row (portable log, float64; p_i log p_i is 0 at p_i = 0). */
export function negativeEntropyGradient(p: Float32Array, rows: number, classes: number, alpha: number): Float32Array {
  const dz = new Float32Array(rows * classes);
  const plogp = (x: number) => (x > 0 ? x * portable.log(x) : 0);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let entropy = 0;
    for (let c = 0; c < classes; c++) entropy -= plogp(p[o + c]!);
    for (let c = 0; c < classes; c++) dz[o + c] = (alpha / rows) * (plogp(p[o + c]!) + p[o + c]! * entropy);
  }
  return dz;
}

/** HAMP's training loss (Chen and Pattabiraman, NDSS 2024): mean cross-entropy against the (soft)
 *  targets minus alpha times the mean entropy of the model's output, rewarding high-entropy outputs. */
export function entropyRegularizedObjective(settings: EntropyRegularizerSettings, classes: number): Objective {
  checkEntropyRegularizer(settings);
  return {
    logitGradient(batch) {
      const p = tf.softmax(batch.logits).dataSync() as Float32Array;
      const dz = negativeEntropyGradient(p, batch.rows, classes, settings.alpha);
      return tf.add(crossEntropyGradient(batch), tf.tensor2d(dz, [batch.rows, classes]));
    },
  };
}

/** Hidden units of the adversary h(f(x), y): [posteriors, one-hot label] -> ReLU -> sigmoid. */
export const ADVERSARY_HIDDEN = 64;
const ADVERSARY_LEARNING_RATE = 0.001;

/**
 * The inference model of adversarial regularisation: h(p, y) = sigmoid(w2 . relu(W1 [p; onehot y] + b1) + b2),
 * the probability that (p, y) came from a member. Float32 weights, float64 arithmetic.
 */
export class InferenceModel {
  private readonly w1: Float32Array;
  private readonly b1 = new Float32Array(ADVERSARY_HIDDEN);
  private readonly w2: Float32Array;
  private readonly b2 = new Float32Array(1);
  private readonly adam: Adam;

  constructor(
    readonly classes: number,
    rng: Pcg32,
  ) {
    const inputs = 2 * classes;
    this.w1 = glorotUniform(rng, inputs * ADVERSARY_HIDDEN, inputs, ADVERSARY_HIDDEN);
    this.w2 = glorotUniform(rng, ADVERSARY_HIDDEN, ADVERSARY_HIDDEN, 1);
    this.adam = new Adam([this.w1.length, ADVERSARY_HIDDEN, ADVERSARY_HIDDEN, 1], { learningRate: ADVERSARY_LEARNING_RATE });
  }

  /** Hidden activations (rows x hidden) and the output logit per row. */
  private forward(p: Float32Array, labels: Int32Array): { hidden: Float64Array; logit: Float64Array } {
    const { classes } = this;
    const rows = labels.length;
    const hidden = new Float64Array(rows * ADVERSARY_HIDDEN);
    const logit = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let out = this.b2[0]!;
      for (let j = 0; j < ADVERSARY_HIDDEN; j++) {
        // The one-hot half of the input selects one row of W1.
        let a = this.b1[j]! + this.w1[(classes + labels[r]!) * ADVERSARY_HIDDEN + j]!;
        for (let c = 0; c < classes; c++) a += p[r * classes + c]! * this.w1[c * ADVERSARY_HIDDEN + j]!;
        const h = a > 0 ? a : 0;
        hidden[r * ADVERSARY_HIDDEN + j] = h;
        out += h * this.w2[j]!;
      }
      logit[r] = out;
    }
    return { hidden, logit };
  }

  /** h(p, y) per row. */
  membership(p: Float32Array, labels: Int32Array): Float64Array {
    return this.forward(p, labels).logit.map(sigmoid);
  }

  /** One Adam step on the binary cross-entropy of members (target 1) against reference rows (target 0). */
  train(members: { p: Float32Array; labels: Int32Array }, reference: { p: Float32Array; labels: Int32Array }): void {
    const { classes } = this;
    const g1 = new Float32Array(this.w1.length);
    const gb1 = new Float32Array(ADVERSARY_HIDDEN);
    const g2 = new Float32Array(ADVERSARY_HIDDEN);
    const gb2 = new Float32Array(1);
    // Each side weighs half, as the paper's gain averages members and reference separately.
    for (const [side, target] of [[members, 1], [reference, 0]] as const) {
      const { hidden, logit } = this.forward(side.p, side.labels);
      const rows = side.labels.length;
      for (let r = 0; r < rows; r++) {
        const dOut = (sigmoid(logit[r]!) - target) / (2 * rows);
        gb2[0] = gb2[0]! + dOut;
        for (let j = 0; j < ADVERSARY_HIDDEN; j++) {
          const h = hidden[r * ADVERSARY_HIDDEN + j]!;
          g2[j] = g2[j]! + dOut * h;
          if (h <= 0) continue;
          const dA = dOut * this.w2[j]!;
          gb1[j] = gb1[j]! + dA;
          const labelRow = (classes + side.labels[r]!) * ADVERSARY_HIDDEN + j;
          g1[labelRow] = g1[labelRow]! + dA;
          for (let c = 0; c < classes; c++) g1[c * ADVERSARY_HIDDEN + j] = g1[c * ADVERSARY_HIDDEN + j]! + dA * side.p[r * classes + c]!;
        }
      }
    }
    this.adam.step([this.w1, this.b1, this.w2, this.b2], [g1, gb1, g2, gb2], [0, 0, 0, 0]);
  }

  /** d log h(p_r, y_r) / d p_r for every row (rows x classes). */
  gainGradient(p: Float32Array, labels: Int32Array): Float64Array {
    const { classes } = this;
    const { hidden, logit } = this.forward(p, labels);
    const out = new Float64Array(p.length);
    for (let r = 0; r < labels.length; r++) {
      // d log sigmoid(a) / da = 1 - sigmoid(a).
      const dOut = 1 - sigmoid(logit[r]!);
      for (let j = 0; j < ADVERSARY_HIDDEN; j++) {
        if (hidden[r * ADVERSARY_HIDDEN + j]! <= 0) continue;
        const dA = dOut * this.w2[j]!;
        for (let c = 0; c < classes; c++) out[r * classes + c] = out[r * classes + c]! + dA * this.w1[c * ADVERSARY_HIDDEN + j]!;
      }
    }
    return out;
  }
}

function sigmoid(a: number): number {
  return a >= 0 ? 1 / (1 + portable.exp(-a)) : portable.exp(a) / (1 + portable.exp(a));
}

export function checkAdversarialRegularization(settings: AdversarialRegularizationSettings, recordShape: readonly number[], classes: number): void {
  if (!(settings.lambda >= 0 && Number.isFinite(settings.lambda))) throw new RangeError(`adversarialRegularization.lambda: expected a finite number >= 0, got ${String(settings.lambda)}`);
  if (!(Number.isInteger(settings.steps) && settings.steps >= 1)) throw new RangeError(`adversarialRegularization.steps: expected an integer >= 1 (inference-model steps per classifier step), got ${String(settings.steps)}`);
  const reference = settings.reference;
  if (!reference || reference.labels.length < 1) throw new RangeError("adversarialRegularization.reference: expected at least one reference record (records the target never trains on)");
  if (reference.features.length !== reference.labels.length * recordSize(recordShape)) {
    throw new RangeError(`adversarialRegularization.reference: expected ${reference.labels.length} records of ${recordSize(recordShape)} values (shape ${JSON.stringify(recordShape)}), got ${reference.features.length} values`);
  }
  for (const label of reference.labels) {
    if (!(label >= 0 && label < classes)) throw new RangeError(`adversarialRegularization.reference: labels must be classes 0 to ${classes - 1}, got ${label}`);
  }
}

/** The rows at `indices` of a data set, features and labels. */
function gather(data: LabeledData, indices: Int32Array, width: number): { features: Float32Array; labels: Int32Array } {
  const features = new Float32Array(indices.length * width);
  const labels = new Int32Array(indices.length);
  indices.forEach((r, i) => {
    features.set(data.features.subarray(r * width, (r + 1) * width), i * width);
    labels[i] = data.labels[r]!;
  });
  return { features, labels };
}

/** `count` row indices drawn uniformly (with replacement) from `rows`. */
function drawRows(rng: Pcg32, rows: number, count: number): Int32Array {
  return Int32Array.from(rng.fillFloat64(count), (u) => Math.floor(u * rows));
}

/**
 * Adversarial regularisation (Nasr, Shokri and Houmansadr, CCS 2018, Algorithm 1): before each
 * classifier step, `steps` Adam steps train h on a batch of members against a batch of reference
 * records (the classifier's current posteriors, no dropout); the classifier's step then minimises
 * mean cross-entropy + lambda * mean log h(f(x), y) over its batch.
 */
export function adversarialObjective(
  settings: AdversarialRegularizationSettings,
  members: LabeledData,
  batchSize: number,
  rng: Pcg32,
  posteriorsOf: (features: Float32Array, rows: number) => Float32Array,
): Objective {
  const classes = members.numClasses;
  checkAdversarialRegularization(settings, members.recordShape, classes);
  const width = recordSize(members.recordShape);
  const adversary = new InferenceModel(classes, rng);
  const side = (data: LabeledData) => {
    const rows = Math.min(batchSize, data.labels.length);
    const { features, labels } = gather(data, drawRows(rng, data.labels.length, rows), width);
    return { p: posteriorsOf(features, rows), labels };
  };
  return {
    beforeStep() {
      for (let k = 0; k < settings.steps; k++) adversary.train(side(members), side(settings.reference));
    },
    logitGradient(batch) {
      const probabilities = tf.softmax(batch.logits);
      const p = probabilities.dataSync() as Float32Array;
      const g = adversary.gainGradient(p, batch.labels);
      // Through the softmax: dz = p * (g - <g, p>), scaled by lambda / rows (the gain is a mean).
      const dz = new Float32Array(p.length);
      const scale = settings.lambda / batch.rows;
      for (let r = 0; r < batch.rows; r++) {
        let dot = 0;
        for (let c = 0; c < classes; c++) dot += g[r * classes + c]! * p[r * classes + c]!;
        for (let c = 0; c < classes; c++) dz[r * classes + c] = scale * p[r * classes + c]! * (g[r * classes + c]! - dot);
      }
      return tf.add(crossEntropyGradient(batch), tf.tensor2d(dz, [batch.rows, classes]));
    },
  };
}
