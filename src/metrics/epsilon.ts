// Empirical privacy: lower bounds on the epsilon of (epsilon, delta)-differential privacy that an
// attack's success proves.
//  - From a ROC (Jagielski, Ullman and Oprea 2020; TensorFlow Privacy's epsilon_lower_bound): an
//    (epsilon, delta)-DP training run forces FPR + e^eps * FNR >= 1 - delta and
//    FNR + e^eps * FPR >= 1 - delta at every threshold; with Clopper-Pearson upper bounds on FPR and
//    FNR, the largest epsilon these rule out at any threshold is a lower bound at that confidence.
//  - From one training run (Steinke, Nasr and Jagielski, NeurIPS 2023): m canaries each included
//    with probability 1/2, r abstaining guesses of which v are right; the p-value of "the run is
//    (epsilon, delta)-DP" is their Theorem 5.2's bound, and the audit's epsilon is the largest one
//    whose p-value stays below 1 - confidence.
import type { RocCounts } from "../kernels/roc.js";
import { checkConfidence, clopperPearson, logGamma } from "./intervals.js";
import * as portable from "../util/portable-math.js";

export const DEFAULT_DELTA = 1e-5;

export function checkDelta(delta: number, name = "delta"): void {
  if (typeof delta !== "number" || !(delta >= 0 && delta < 1)) throw new RangeError(`${name} must be a number from 0 (inclusive) to 1 (exclusive), got ${String(delta)}`);
}

export interface EpsilonBound {
  /** The lower bound on epsilon (0 when the attack proves nothing). */
  readonly epsilon: number;
  readonly delta: number;
  readonly confidence: number;
  /** The threshold (score) where the bound is reached; absent when epsilon is 0. */
  readonly threshold?: number;
  /** Its counts: members and non-members at or above the threshold. */
  readonly tp?: number;
  readonly fp?: number;
}

/**
 * The (epsilon, delta) lower bound of a ROC over all its thresholds. Both inequalities grow with
 * tp and shrink with fp, so only the ROC's Pareto corners (the most members for a number of
 * non-members, the fewest non-members for a number of members) can attain the maximum. Upper
 * confidence bounds only lower a corner's epsilon, so corners are visited from the highest
 * point-estimate epsilon down, and the visit stops once that estimate cannot beat the best bound:
 * the exact maximum, with Clopper-Pearson bounds at a handful of corners instead of all.
 */
export function rocEpsilonLowerBound(counts: RocCounts, delta = DEFAULT_DELTA, confidence = 0.95): EpsilonBound {
  checkDelta(delta);
  checkConfidence(confidence);
  const { tp, fp, positives, negatives, thresholds } = counts;
  const groups = tp.length;
  const corners: { g: number; estimate: number }[] = [];
  for (let g = 0; g < groups; g++) {
    const mostMembers = g === groups - 1 || fp[g + 1]! > fp[g]!;
    const fewestNonMembers = g === 0 || tp[g]! > tp[g - 1]!;
    if (!mostMembers || !fewestNonMembers) continue;
    const fpr = fp[g]! / negatives;
    const fnr = (positives - tp[g]!) / positives;
    // With a zero rate the point estimate is infinite: the bound still needs its interval.
    const estimate = Math.max(fpr === 0 ? Infinity : boundTerm(1 - delta - fnr, fpr), fnr === 0 ? Infinity : boundTerm(1 - delta - fpr, fnr));
    if (estimate > 0) corners.push({ g, estimate });
  }
  corners.sort((a, b) => b.estimate - a.estimate || a.g - b.g);
  let best: EpsilonBound = { epsilon: 0, delta, confidence };
  for (const { g, estimate } of corners) {
    if (estimate <= best.epsilon) break;
    const fprHi = clopperPearson(fp[g]!, negatives, confidence)[1];
    const fnrHi = clopperPearson(positives - tp[g]!, positives, confidence)[1];
    const epsilon = Math.max(boundTerm(1 - delta - fnrHi, fprHi), boundTerm(1 - delta - fprHi, fnrHi));
    if (epsilon > best.epsilon) best = { epsilon, delta, confidence, threshold: thresholds[g]!, tp: tp[g]!, fp: fp[g]! };
  }
  return best;
}

const boundTerm = (numerator: number, denominator: number): number => (numerator > 0 && denominator > 0 ? portable.log(numerator / denominator) : 0);

/** log of the Binomial(n, p) probability of k, in float64 through logGamma. */
function logBinomialPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * portable.log(p) + (n - k) * portable.log1p(-p);
}

/**
 * Steinke, Nasr and Jagielski's p-value (their Theorem 5.2 / Algorithm 2): an upper bound on the
 * probability that an (epsilon, delta)-DP run lets r guesses about m canaries get v or more right.
 */
export function oneRunPValue(m: number, r: number, v: number, epsilon: number, delta: number): number {
  const q = 1 / (1 + portable.exp(-epsilon)); // the accuracy of epsilon-DP randomized response
  const pmf = (k: number) => portable.exp(logBinomialPmf(k, r, q));
  let beta = 0; // P[Binomial(r, q) >= v]
  for (let k = v; k <= r; k++) beta += pmf(k);
  let alpha = 0;
  let below = 0; // P[v > Binomial(r, q) >= v - i]
  for (let i = 1; i <= v; i++) {
    below += pmf(v - i);
    if (below > i * alpha) alpha = below / i;
  }
  return Math.min(1, beta + alpha * delta * 2 * m);
}

export interface OneRunEpsilon {
  readonly epsilon: number;
  readonly delta: number;
  readonly confidence: number;
  readonly canaries: number;
  readonly guesses: number;
  readonly correct: number;
}

/** The largest epsilon whose p-value is below 1 - confidence (0 if none is), by bisection to 1e-9. */
export function oneRunEpsilon(m: number, r: number, v: number, delta = DEFAULT_DELTA, confidence = 0.95): OneRunEpsilon {
  checkDelta(delta);
  checkConfidence(confidence);
  if (!(Number.isInteger(m) && Number.isInteger(r) && Number.isInteger(v) && 0 <= v && v <= r && r <= m)) {
    throw new RangeError(`oneRunEpsilon: expected integers 0 <= correct <= guesses <= canaries, got canaries=${m}, guesses=${r}, correct=${v}`);
  }
  const p = 1 - confidence;
  const result = (epsilon: number): OneRunEpsilon => ({ epsilon, delta, confidence, canaries: m, guesses: r, correct: v });
  if (oneRunPValue(m, r, v, 0, delta) >= p) return result(0);
  let lo = 0; // p-value(lo) < p
  let hi = 1; // p-value(hi) >= p
  while (oneRunPValue(m, r, v, hi, delta) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) return result(lo);
  }
  while (hi - lo > 1e-9) {
    const mid = (lo + hi) / 2;
    if (oneRunPValue(m, r, v, mid, delta) < p) lo = mid;
    else hi = mid;
  }
  return result(lo);
}

export interface OneRunAudit extends OneRunEpsilon {
  /** Guesses "member" on the highest scores and "non-member" on the lowest: how many of each. */
  readonly guessedIn: number;
  readonly guessedOut: number;
  /** How many guess counts were tried; the confidence was split between them (Bonferroni). */
  readonly triedGuessCounts: number;
}

/**
 * The one-run audit from scores: canary i is a member when members[i] is 1 (each included with
 * probability 1/2). Guesses are the top and bottom k scores (k members guessed in, k out), for each
 * k in `guessCounts` (default: 1%, 2%, 5%, 10%, 20%, 50% of m per side, as the paper sweeps); the
 * confidence is shared between them so the best is still a valid bound.
 */
export function oneRunAuditFromScores(scores: Float64Array, members: Uint8Array, delta = DEFAULT_DELTA, confidence = 0.95, guessCounts?: readonly number[]): OneRunAudit {
  checkDelta(delta);
  checkConfidence(confidence);
  const m = scores.length;
  if (members.length !== m) throw new RangeError(`one-run audit: ${m} scores but ${members.length} membership flags`);
  if (m < 2) throw new RangeError(`one-run audit: needs at least 2 canaries, got ${m}`);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const perSide = [...new Set((guessCounts ?? [0.01, 0.02, 0.05, 0.1, 0.2, 0.5].map((f) => Math.max(1, Math.floor(f * m)))).map((k) => Math.min(k, Math.floor(m / 2))))].filter((k) => k >= 1);
  const perTry = 1 - (1 - confidence) / perSide.length;
  let best: OneRunAudit | undefined;
  for (const k of perSide) {
    let correct = 0;
    for (let j = 0; j < k; j++) correct += members[order[j]!]!; // guessed in
    for (let j = m - k; j < m; j++) correct += 1 - members[order[j]!]!; // guessed out
    const result = oneRunEpsilon(m, 2 * k, correct, delta, perTry);
    if (!best || result.epsilon > best.epsilon) best = { ...result, confidence, guessedIn: k, guessedOut: k, triedGuessCounts: perSide.length };
  }
  return best!;
}
