// Confidence intervals for the headline figures: DeLong's for the AUC, Clopper-Pearson's (exact
// binomial, from beta quantiles) for TPR at a fixed FPR, precision and recall, and a seeded,
// stratified bootstrap for the attacker advantage. Plain float64 arithmetic: no kernel, no host Math
// beyond log/exp/sqrt, which IEEE-754 engines agree on to the last bit for these inputs' purposes.
import { attackerAdvantage } from "../kernels/index.js";
import { Pcg32 } from "../kernels/random.js";

import type { Interval } from "../attacks/types.js";
import * as portable from "../util/portable-math.js";

export type { Interval };

export function checkConfidence(confidence: number, name = "confidence"): void {
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(`${name} must be a number strictly between 0 and 1 (e.g. 0.95), got ${String(confidence)}`);
  }
}

// Wichura's AS 241 (PPND16): the standard normal quantile to about 1e-16 relative error.
const A = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const B = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852854561];
const C = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const D = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
const E = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const F = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

const poly = (c: readonly number[], x: number): number => {
  let y = 0;
  for (let i = c.length - 1; i >= 0; i--) y = y * x + c[i]!;
  return y;
};

/** The standard normal quantile Phi^-1(p), 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must lie strictly between 0 and 1, got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = Math.sqrt(-portable.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = poly(C, r) / poly(D, r);
  } else {
    r -= 5;
    x = poly(E, r) / poly(F, r);
  }
  return q < 0 ? -x : x;
}

// Lanczos (g = 7, 9 terms): log Gamma(x) to about 1e-15 for x > 0.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

export function logGamma(x: number): number {
  // Gamma(x) = Gamma(x + 1) / x: no reflection formula, so no sin, whose bits differ between engines.
  if (x < 0.5) return logGamma(x + 1) - portable.log(x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * portable.log(2 * Math.PI) + (z + 0.5) * portable.log(t) - t + portable.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz, as in Numerical Recipes' betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), the Beta(a, b) distribution function. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * portable.log(x) + b * portable.log1p(-x);
  // The fraction converges fast on the side of the mean; the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) covers the other.
  if (x < (a + 1) / (a + b + 2)) return (portable.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (portable.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The p-quantile of Beta(a, b), by bisection on the distribution function (to about 1e-15). */
export function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The Clopper-Pearson (exact) interval for a proportion of k successes in n trials: the Beta
 * quantiles whose binomial tails are (1 - confidence) / 2 each. [NaN, NaN] when n is 0.
 */
export function clopperPearson(k: number, n: number, confidence = 0.95): Interval {
  checkConfidence(confidence);
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n)) {
    throw new RangeError(`clopperPearson: expected integers 0 <= k <= n, got k=${k}, n=${n}`);
  }
  if (n === 0) return [NaN, NaN];
  const tail = (1 - confidence) / 2;
  return [k === 0 ? 0 : betaQuantile(tail, k, n - k + 1), k === n ? 1 : betaQuantile(1 - tail, k + 1, n - k)];
}

/** DeLong's normal interval for the AUC, clipped to [0, 1]: auc -/+ z * sqrt(variance). */
export function delongInterval(auc: number, variance: number, confidence = 0.95): Interval {
  checkConfidence(confidence);
  if (!Number.isFinite(variance)) return [NaN, NaN];
  const half = normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt(variance);
  return [Math.max(0, auc - half), Math.min(1, auc + half)];
}

/** numpy.percentile's linear rule on sorted values (q in [0, 1]). */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export interface BootstrapOptions {
  readonly seed: number;
  /** Resamples (default 1000). */
  readonly resamples?: number;
  readonly confidence?: number;
}

/**
 * The percentile bootstrap of a statistic of (scores, members), resampling members and non-members
 * separately (so every resample keeps both counts) with a Pcg32 seeded by `seed`.
 */
export function bootstrapInterval(
  scores: Float64Array,
  isMember: Uint8Array,
  statistic: (scores: Float64Array, isMember: Uint8Array) => number,
  options: BootstrapOptions,
): Interval {
  const confidence = options.confidence ?? 0.95;
  checkConfidence(confidence);
  const resamples = options.resamples ?? 1000;
  if (!(Number.isInteger(resamples) && resamples >= 2)) throw new RangeError(`bootstrap resamples must be an integer of at least 2, got ${resamples}`);
  const memberIndex: number[] = [];
  const nonMemberIndex: number[] = [];
  for (let i = 0; i < isMember.length; i++) (isMember[i] === 1 ? memberIndex : nonMemberIndex).push(i);
  const n = scores.length;
  const resampled = new Float64Array(n);
  const flags = new Uint8Array(n);
  flags.fill(1, 0, memberIndex.length);
  const rng = new Pcg32(options.seed, 0x600757);
  const values = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const u = rng.fillFloat64(n);
    for (let i = 0; i < memberIndex.length; i++) resampled[i] = scores[memberIndex[Math.floor(u[i]! * memberIndex.length)]!]!;
    for (let j = 0; j < nonMemberIndex.length; j++) {
      resampled[memberIndex.length + j] = scores[nonMemberIndex[Math.floor(u[memberIndex.length + j]! * nonMemberIndex.length)]!]!;
    }
    values[b] = statistic(resampled, flags);
  }
  values.sort();
  const tail = (1 - confidence) / 2;
  return [sortedQuantile(values, tail), sortedQuantile(values, 1 - tail)];
}

/** The bootstrap interval of Yeom et al.'s advantage, max(TPR - FPR). */
export function advantageInterval(scores: Float64Array, isMember: Uint8Array, options: BootstrapOptions): Interval {
  return bootstrapInterval(scores, isMember, attackerAdvantage, options);
}
