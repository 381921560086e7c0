// HAMP (Chen and Pattabiraman, NDSS 2024): train on high-entropy soft labels with a regulariser
// rewarding high-entropy outputs, and at inference answer with the model's output on a random
// uniform sample, re-ordered to keep the ranking of the real output: the label (and every class's
// rank) is kept, the confidence pattern that tells members apart is replaced by one the record never shaped.
// Soft labels: the true class gets probability q, the others (1 - q) / (classes - 1), with q the
// largest value whose entropy is at least gamma * log(classes); that is label smoothing with
// e = (1 - q) classes / (classes - 1). The loss is the cross-entropy against them minus alpha times
// the entropy of the model's output (src/models/tfjs/objectives.ts), so the target trains on the
// tfjs engine whatever the audit's engine (the fused dense engine has no custom objectives).
import { Pcg32 } from "../kernels/random.js";
import type { LabeledData, Posteriors } from "../types.js";
import * as portable from "../util/portable-math.js";
import type { Defence, DefenceSettings, Query } from "./types.js";

export interface HampSettings {
  /** Entropy threshold in (0, 1): the soft labels' entropy over log(classes). */
  readonly gamma: number;
  /** Weight (>= 0) of the output entropy the training loss rewards. */
  readonly alpha: number;
}

export const HAMP_DEFAULTS = { gamma: 0.9, alpha: 0.01 } as const;

const settingsOf = (s: DefenceSettings): HampSettings => ({ ...HAMP_DEFAULTS, ...s.hamp });

/** Entropy (nats) of the soft label with q on the true class and the rest spread evenly. */
function softLabelEntropy(q: number, classes: number): number {
  const rest = (1 - q) / (classes - 1);
  return -(q > 0 ? q * portable.log(q) : 0) - (rest > 0 ? (1 - q) * portable.log(rest) : 0);
}

/** The label smoothing e of HAMP's soft labels for threshold gamma (bisection on q, 60 halvings). */
export function hampLabelSmoothing(gamma: number, classes: number): number {
  if (!(gamma > 0 && gamma < 1)) throw new RangeError(`hamp: expected an entropy threshold gamma between 0 and 1 (exclusive), got ${gamma}`);
  if (!(Number.isInteger(classes) && classes >= 2)) throw new RangeError(`hamp: expected at least 2 classes, got ${classes}`);
  const wanted = gamma * portable.log(classes);
  // The entropy falls from log(classes) at q = 1/classes to 0 at q = 1.
  let low = 1 / classes;
  let high = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (softLabelEntropy(mid, classes) >= wanted) low = mid;
    else high = mid;
  }
  return ((1 - low) * classes) / (classes - 1);
}

/** Uniform random records in each feature's range over `data` (one per row of each query). */
export function uniformSamples(data: LabeledData, rows: number, rng: Pcg32): Query {
  const width = data.recordShape.reduce((a, b) => a * b, 1);
  const low = new Float32Array(width).fill(Infinity);
  const high = new Float32Array(width).fill(-Infinity);
  for (let r = 0; r < data.labels.length; r++) {
    for (let j = 0; j < width; j++) {
      const v = data.features[r * width + j]!;
      if (v < low[j]!) low[j] = v;
      if (v > high[j]!) high[j] = v;
    }
  }
  const u = rng.fillFloat64(rows * width);
  const features = new Float32Array(rows * width);
  for (let i = 0; i < features.length; i++) features[i] = low[i % width]! + u[i]! * (high[i % width]! - low[i % width]!);
  return { features, rows };
}

/** Each row of `real` answered with `random`'s row of values, re-ordered so the classes keep their
 *  rank in `real` (ties: lower class first). A row whose label a tie in `random` would change keeps `real`. */
export function rankPreserving(real: Posteriors, random: Posteriors): Posteriors {
  const { rows, classes } = real;
  if (random.rows !== rows || random.classes !== classes) throw new RangeError(`hamp: expected ${rows} x ${classes} random answers, got ${random.rows} x ${random.classes}`);
  const values = new Float32Array(real.values.length);
  const order = new Int32Array(classes);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    for (let c = 0; c < classes; c++) order[c] = c;
    order.sort((a, b) => real.values[o + b]! - real.values[o + a]! || a - b);
    const sorted = random.values.slice(o, o + classes).sort().reverse();
    for (let k = 0; k < classes; k++) values[o + order[k]!] = sorted[k]!;
    if (sorted[0] === sorted[1] && classes > 1) values.set(real.values.subarray(o, o + classes), o);
  }
  return { values, rows, classes };
}

export const hampDefence: Defence = {
  name: "hamp",
  summary: "HAMP: high-entropy soft labels (--hamp-gamma), an output-entropy reward (--hamp-alpha; tfjs engine) and answers re-ranked from the model's output on random uniform records",
  label: (s) => `hamp (gamma ${settingsOf(s).gamma}, alpha ${settingsOf(s).alpha})`,
  plan(ctx) {
    const { gamma, alpha } = settingsOf(ctx.settings);
    const kind = ctx.settings.target;
    const rng = new Pcg32(ctx.seeds.defence, 4);
    const randomQueries = ctx.queries.map((q) => uniformSamples(ctx.train, q.rows, rng));
    const labelSmoothing = hampLabelSmoothing(gamma, ctx.train.numClasses);
    const job = ctx.job(kind, ctx.train, ctx.seeds.target, [...ctx.queries, ...randomQueries], { spec: { engine: "tfjs" }, options: { labelSmoothing, entropyRegularizer: { alpha } } });
    return {
      jobs: [{ label: `target ${kind} (hamp soft labels)`, job }],
      laterJobs: 0,
      finish: async ([result]) => {
        const n = ctx.queries.length;
        return { answers: result!.posteriors.slice(0, n).map((p, i) => rankPreserving(p, result!.posteriors[n + i]!)), kind, weightsSha256: result!.weightsSha256 };
      },
    };
  },
};
