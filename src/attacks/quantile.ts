// The quantile-regression attack (Bertran et al., NeurIPS 2023): no shadow model. A regressor
// trained on population records (non-members by construction) predicts, from a record's features
// and label, the (1 - alpha) quantile of the target's score on non-members like it; a record is a
// member when its score exceeds its own predicted quantile, so about alpha of the non-members are
// flagged whatever their difficulty.
//
// The regressor is linear on standardized features plus a one-hot label, trained by Adam on the
// pinball loss in plain TypeScript: the fused dense engine's wasm kernels fuse softmax
// cross-entropy into the backward pass, so a custom loss would mean a new kernel; a linear model
// on at most a few thousand population records trains here in milliseconds, deterministically.
import { Pcg32 } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import * as portable from "../util/portable-math.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy, CandidateFeatures, PopulationData } from "./types.js";

/** Default alpha: the FPR the attack aims at. */
export const DEFAULT_QUANTILE_ALPHA = 0.01;
export const QUANTILE_TRAINING = { epochs: 300, learningRate: 0.01, l2: 1e-3, batchSize: 128 } as const;

/** Bertran et al.'s score: the true class's log-probability minus the largest other one (a logit margin). */
export function hingeScore(p: Posteriors, labels: Int32Array, row: number): number {
  const base = row * p.classes;
  const y = labels[row]!;
  let other = 0;
  for (let c = 0; c < p.classes; c++) if (c !== y && p.values[base + c]! > other) other = p.values[base + c]!;
  return portable.log(Math.max(p.values[base + y]!, 1e-30)) - portable.log(Math.max(other, 1e-30));
}

export function hingeScores(p: Posteriors, labels: Int32Array): Float64Array {
  return Float64Array.from({ length: p.rows }, (_, r) => hingeScore(p, labels, r));
}

/** Pinball (quantile) loss of predicting q for y at quantile tau. */
export function pinballLoss(y: number, q: number, tau: number): number {
  const d = y - q;
  return d >= 0 ? tau * d : (tau - 1) * d;
}

export interface QuantileRegressor {
  predict(features: Float32Array, labels: Int32Array): Float64Array;
}

/**
 * A linear quantile regressor: q(x, y) = w . [standardized x, one-hot y] + b, minimising the mean
 * pinball loss at tau plus l2 |w|^2 with Adam over seeded mini-batches. The bias starts at the
 * empirical tau-quantile, so an uninformative feature set still gives the plain population threshold.
 */
export function fitQuantileRegressor(features: Float32Array, width: number, labels: Int32Array, classes: number, targets: Float64Array, tau: number, seed: number): QuantileRegressor {
  const rows = labels.length;
  if (rows === 0 || features.length !== rows * width) throw new RangeError(`quantile regressor: ${features.length} feature values for ${rows} records of width ${width}`);
  const mean = new Float64Array(width);
  const scale = new Float64Array(width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) mean[j] += features[r * width + j]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const d = features[r * width + j]! - mean[j]!;
      scale[j] += (d * d) / rows;
    }
  }
  for (let j = 0; j < width; j++) scale[j] = scale[j]! > 1e-12 ? 1 / Math.sqrt(scale[j]!) : 0;
  const dim = width + classes;
  const row = (x: Float32Array, y: Int32Array, r: number, out: Float64Array) => {
    for (let j = 0; j < width; j++) out[j] = (x[r * width + j]! - mean[j]!) * scale[j]!;
    out.fill(0, width);
    out[width + y[r]!] = 1;
  };
  const w = new Float64Array(dim);
  const sorted = Float64Array.from(targets).sort();
  let b = sorted[Math.min(rows - 1, Math.floor(tau * rows))]!;
  const { epochs, learningRate, l2, batchSize } = QUANTILE_TRAINING;
  const m = new Float64Array(dim + 1);
  const v = new Float64Array(dim + 1);
  const grad = new Float64Array(dim + 1);
  const x = new Float64Array(dim);
  const rng = new Pcg32(seed, 7);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(rows);
    for (let start = 0; start < rows; start += batchSize) {
      const end = Math.min(rows, start + batchSize);
      grad.fill(0);
      for (let i = start; i < end; i++) {
        const r = order[i]!;
        row(features, labels, r, x);
        let q = b;
        for (let j = 0; j < dim; j++) q += w[j]! * x[j]!;
        // d pinball / d q: -tau above the quantile, 1 - tau below it.
        const g = (targets[r]! > q ? -tau : 1 - tau) / (end - start);
        for (let j = 0; j < dim; j++) grad[j] += g * x[j]!;
        grad[dim] += g;
      }
      for (let j = 0; j < dim; j++) grad[j] += 2 * l2 * w[j]!;
      step++;
      // portable.pow: the engines' own ** differs in the last bit (Chromium's V8 vs Node's), and
      // the bias corrections reach every weight and so every score.
      const c1 = 1 - portable.pow(0.9, step);
      const c2 = 1 - portable.pow(0.999, step);
      for (let j = 0; j <= dim; j++) {
        m[j] = 0.9 * m[j]! + 0.1 * grad[j]!;
        v[j] = 0.999 * v[j]! + 0.001 * grad[j]! * grad[j]!;
        const delta = (learningRate * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + 1e-8);
        if (j < dim) w[j] -= delta;
        else b -= delta;
      }
    }
  }
  return {
    predict(xs: Float32Array, ys: Int32Array): Float64Array {
      const out = new Float64Array(ys.length);
      const buffer = new Float64Array(dim);
      for (let r = 0; r < ys.length; r++) {
        row(xs, ys, r, buffer);
        let q = b;
        for (let j = 0; j < dim; j++) q += w[j]! * buffer[j]!;
        out[r] = q;
      }
      return out;
    },
  };
}

function requirePopulationFeatures(name: string, target: AttackInputData, context: AttackContext): { population: PopulationData & { features: Float32Array }; candidates: CandidateFeatures } {
  const population = context.population;
  const candidates = context.candidateFeatures;
  if (!population?.features || !candidates) throw new Error(`attack ${name}: needs population records with their features (context.population.features) and the audited records' features (context.candidateFeatures)`);
  if (!target.membersLabels || !target.nonMembersLabels) throw new Error(`attack ${name}: needs the labels of members and non-members`);
  const width = candidates.width;
  if (population.features.length !== population.labels.length * width) throw new Error(`attack ${name}: population features hold ${population.features.length} values for ${population.labels.length} records of width ${width}`);
  if (candidates.members.length !== target.members.rows * width || candidates.nonMembers.length !== target.nonMembers.rows * width) {
    throw new Error(`attack ${name}: the audited records' features do not match ${target.members.rows} members and ${target.nonMembers.rows} non-members of width ${width}`);
  }
  return { population: population as PopulationData & { features: Float32Array }, candidates };
}

/** The quantile-regression attack at FPR alpha; score = hinge score minus its predicted quantile. */
export function quantileAttack(alpha = DEFAULT_QUANTILE_ALPHA): AttackStrategy {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`quantile attack: alpha must lie in (0, 1), got ${alpha}`);
  const name = "quantile";
  return {
    name,
    title: `Quantile regression (Bertran et al., alpha ${alpha})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { population, candidates } = requirePopulationFeatures(name, target, context);
      const classes = target.members.classes;
      const regressor = fitQuantileRegressor(population.features, candidates.width, population.labels, classes, hingeScores(population.target, population.labels), 1 - alpha, context.seed);
      const margin = (p: Posteriors, x: Float32Array, labels: Int32Array) => {
        const q = regressor.predict(x, labels);
        return Float64Array.from({ length: p.rows }, (_, r) => hingeScore(p, labels, r) - q[r]!);
      };
      const members = margin(target.members, candidates.members, target.membersLabels!);
      const nonMembers = margin(target.nonMembers, candidates.nonMembers, target.nonMembersLabels!);
      const achieved = nonMembers.reduce((n, s) => n + (s > 0 ? 1 : 0), 0) / Math.max(1, nonMembers.length);
      return {
        members,
        nonMembers,
        // Strictly above the predicted quantile: the smallest positive double is the threshold.
        threshold: Number.MIN_VALUE,
        thresholdRule: `score above its predicted ${1 - alpha} quantile (regressor on ${population.labels.length} population records): asked FPR ${alpha}, achieved ${achieved.toFixed(4)} on the non-members`,
      };
    },
  };
}
