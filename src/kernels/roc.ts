// ROC analysis of membership scores, backed by assembly/roc.ts. Scores: higher = more member-like;
// members: 1 for a member, 0 for a non-member; a record is predicted a member when score >= threshold.
// The plain TypeScript twins are in reference/roc.ts.
import { kernels, scratch } from "./wasm.js";

export type Scores = Float32Array | Float64Array;

/** scikit-learn's roc_curve(members, scores, drop_intermediate=False). */
export interface RocCurve {
  /** False-positive rate at each point, from 0 up to 1. */
  readonly fpr: Float64Array;
  /** True-positive rate at each point, from 0 up to 1. */
  readonly tpr: Float64Array;
  /** Score threshold of each point: +Infinity first, then each distinct score, descending. */
  readonly thresholds: Float64Array;
}

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** tp / (tp + fp); 0 when nothing is predicted a member (scikit-learn's zero_division default). */
  readonly precision: number;
  /** tp / (tp + fn); 0 when there are no members. */
  readonly recall: number;
  readonly accuracy: number;
}

/** ROC curve, one point per distinct score plus (0, 0) at threshold +Infinity. */
export function rocCurve(scores: Scores, members: Uint8Array): RocCurve {
  return curveOf(sweep(scores, members, "rocCurve"));
}

function curveOf(s: Sweep): RocCurve {
  const points = s.groups + 1;
  const fpr = new Float64Array(points);
  const tpr = new Float64Array(points);
  const thresholds = new Float64Array(points);
  thresholds[0] = Infinity;
  for (let g = 0; g < s.groups; g++) {
    fpr[g + 1] = s.fp[g]! / s.negatives;
    tpr[g + 1] = s.tp[g]! / s.positives;
    thresholds[g + 1] = s.thresholds[g]!;
  }
  return { fpr, tpr, thresholds };
}

/**
 * Area under the ROC curve: the probability that a random member outscores a random non-member,
 * ties counting one half (equal to scikit-learn's roc_auc_score). Counted exactly from rank sums,
 * then divided once.
 */
export function auc(scores: Scores, members: Uint8Array): number {
  return aucOf(sweep(scores, members, "auc"));
}

function aucOf(s: Sweep): number {
  let wins = 0;
  let tpBefore = 0;
  let fpBefore = 0;
  for (let g = 0; g < s.groups; g++) {
    const tp = s.tp[g]!;
    const fp = s.fp[g]!;
    const tpHere = tp - tpBefore;
    // Members here beat every non-member scored lower and tie with the non-members here.
    wins += tpHere * (s.negatives - fp) + 0.5 * tpHere * (fp - fpBefore);
    tpBefore = tp;
    fpBefore = fp;
  }
  return wins / (s.positives * s.negatives);
}

/** DeLong's AUC with its variance (NaN with fewer than two members or two non-members). */
export interface AucWithVariance {
  readonly auc: number;
  readonly variance: number;
}

/**
 * AUC and DeLong et al.'s (1988) variance of it, from the same single sort as auc(): the structural
 * components are per score group, so the extra work is one pass over the groups.
 */
export function aucWithVariance(scores: Scores, members: Uint8Array): AucWithVariance {
  return aucVarianceOf(sweep(scores, members, "aucWithVariance"));
}

function aucVarianceOf(s: Sweep): AucWithVariance {
  const w = kernels();
  w.aucVariance(s.tp.byteOffset, s.fp.byteOffset, s.groups, s.positives, s.negatives, s.outAt);
  const [auc, variance] = new Float64Array(w.memory.buffer, s.outAt, 2) as unknown as [number, number];
  return { auc, variance };
}

/** The best TPR among ROC points whose FPR is at most maxFpr (e.g. 0.001, 0.01). */
export function tprAtFpr(scores: Scores, members: Uint8Array, maxFpr: number): number {
  checkMaxFpr(maxFpr, "tprAtFpr: maxFpr");
  return tprAtFprOf(sweep(scores, members, "tprAtFpr"), maxFpr);
}

function checkMaxFpr(maxFpr: number, name: string): void {
  if (typeof maxFpr !== "number" || !(maxFpr >= 0 && maxFpr <= 1)) {
    throw new RangeError(`${name} must be a number from 0 to 1, got ${String(maxFpr)}`);
  }
}

function tprAtFprOf(s: Sweep, maxFpr: number): number {
  let best = 0;
  for (let g = 0; g < s.groups; g++) {
    if (s.fp[g]! / s.negatives > maxFpr) break; // FPR only grows from here
    best = s.tp[g]! / s.positives;
  }
  return best;
}

/** Yeom et al.'s membership advantage: the largest TPR - FPR over the ROC points (0 at worst). */
export function attackerAdvantage(scores: Scores, members: Uint8Array): number {
  return advantageOf(sweep(scores, members, "attackerAdvantage"));
}

function advantageOf(s: Sweep): number {
  let best = 0;
  for (let g = 0; g < s.groups; g++) {
    const advantage = s.tp[g]! / s.positives - s.fp[g]! / s.negatives;
    if (advantage > best) best = advantage;
  }
  return best;
}

/** Confusion counts and rates when records with score >= threshold are predicted members. */
export function confusionAt(scores: Scores, members: Uint8Array, threshold: number): Confusion {
  checkScoresAndMembers(scores, members, "confusionAt");
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new RangeError(`confusionAt: threshold must be a number, got ${String(threshold)}`);
  }
  const w = kernels();
  const n = scores.length;
  const [scoresAt, membersAt, out] = scratch(scores.byteLength, n, 16) as [number, number, number];
  copyIn(scores, scoresAt);
  new Uint8Array(w.memory.buffer, membersAt, n).set(members);
  w.confusionCounts(scoresAt, scores instanceof Float64Array ? 1 : 0, membersAt, n, threshold, out);
  const [tp, fp, tn, fn] = new Uint32Array(w.memory.buffer, out, 4) as unknown as [number, number, number, number];
  return {
    tp,
    fp,
    tn,
    fn,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    accuracy: (tp + tn) / n,
  };
}

/** numpy.percentile(values, q) with its default linear interpolation; q from 0 to 100. */
export function percentile(values: Scores, q: number): number {
  checkScores(values, "percentile", "values");
  if (typeof q !== "number" || !(q >= 0 && q <= 100)) {
    throw new RangeError(`percentile: q must be a number from 0 to 100, got ${String(q)}`);
  }
  const w = kernels();
  const n = values.length;
  const [valuesAt, work] = scratch(values.byteLength, w.sortWorkBytes(n)) as [number, number];
  copyIn(values, valuesAt);
  return w.percentile(valuesAt, values instanceof Float64Array ? 1 : 0, n, work, q);
}

/** Everything ROC-shaped about one set of scores, from a single sort. */
export interface RocAnalysis {
  readonly curve: RocCurve;
  readonly auc: number;
  /** DeLong's variance of the AUC (NaN with fewer than two members or two non-members). */
  readonly aucVariance: number;
  readonly attackerAdvantage: number;
  /** tprAtFpr for each of the requested maxFprs, in their order. */
  readonly tprAtFpr: readonly number[];
  /** The sweep's counts (copies): members (tp) and non-members (fp) scored at or above each distinct score, highest first. */
  readonly counts: RocCounts;
}

export interface RocCounts {
  readonly thresholds: Float64Array;
  readonly tp: Uint32Array;
  readonly fp: Uint32Array;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * rocCurve, auc, attackerAdvantage and tprAtFpr at each of maxFprs (default 0.1%, 1%, 10%) from one
 * sort of the scores: the same numbers as the separate functions, for a fifth of the work.
 */
export function rocAnalysis(scores: Scores, members: Uint8Array, maxFprs: readonly number[] = [0.001, 0.01, 0.1]): RocAnalysis {
  if (!Array.isArray(maxFprs)) throw new TypeError(`rocAnalysis: maxFprs must be an array of numbers from 0 to 1`);
  maxFprs.forEach((f, i) => checkMaxFpr(f, `rocAnalysis: maxFprs[${i}]`));
  const s = sweep(scores, members, "rocAnalysis");
  return {
    curve: curveOf(s),
    auc: aucOf(s),
    aucVariance: aucVarianceOf(s).variance,
    attackerAdvantage: advantageOf(s),
    tprAtFpr: maxFprs.map((f) => tprAtFprOf(s, f)),
    counts: { thresholds: s.thresholds.slice(), tp: s.tp.slice(), fp: s.fp.slice(), positives: s.positives, negatives: s.negatives },
  };
}

interface Sweep {
  readonly groups: number;
  /** Distinct scores, descending, and the cumulative member / non-member counts at each (views on wasm memory). */
  readonly thresholds: Float64Array;
  readonly tp: Uint32Array;
  readonly fp: Uint32Array;
  readonly positives: number;
  readonly negatives: number;
  /** 16 bytes of scratch after the sweep's arrays, for a kernel's small output. */
  readonly outAt: number;
}

function sweep(scores: Scores, members: Uint8Array, fn: string): Sweep {
  const positives = checkScoresAndMembers(scores, members, fn);
  const n = scores.length;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `${fn}: members must contain both members (1) and non-members (0); got ${positives === 0 ? "no members" : "no non-members"} among ${n} records, so the ROC is undefined`,
    );
  }
  const w = kernels();
  const [scoresAt, membersAt, work, thresholdsAt, tpAt, fpAt, outAt] = scratch(
    scores.byteLength,
    n,
    w.sortWorkBytes(n),
    n * 8,
    n * 4,
    n * 4,
    16,
  ) as [number, number, number, number, number, number, number];
  copyIn(scores, scoresAt);
  new Uint8Array(w.memory.buffer, membersAt, n).set(members);
  const groups = w.rocSweep(scoresAt, scores instanceof Float64Array ? 1 : 0, membersAt, n, work, thresholdsAt, tpAt, fpAt);
  // Views, not copies: valid until the next kernel call, and every caller is done with them before.
  const buffer = w.memory.buffer;
  return {
    groups,
    thresholds: new Float64Array(buffer, thresholdsAt, groups),
    tp: new Uint32Array(buffer, tpAt, groups),
    fp: new Uint32Array(buffer, fpAt, groups),
    positives,
    negatives,
    outAt,
  };
}

function copyIn(values: Scores, at: number): void {
  const buffer = kernels().memory.buffer;
  if (values instanceof Float64Array) new Float64Array(buffer, at, values.length).set(values);
  else new Float32Array(buffer, at, values.length).set(values);
}

function checkScores(scores: Scores, fn: string, name: string): void {
  if (!(scores instanceof Float32Array || scores instanceof Float64Array)) {
    throw new TypeError(`${fn}: ${name} must be a Float32Array or Float64Array, got ${describe(scores)}`);
  }
  if (scores.length === 0) throw new RangeError(`${fn}: ${name} is empty`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`${fn}: ${name}[${i}] is ${scores[i]}, expected a finite number`);
  }
}

/** Checks both arrays and returns the number of members. */
function checkScoresAndMembers(scores: Scores, members: Uint8Array, fn: string): number {
  checkScores(scores, fn, "scores");
  if (!(members instanceof Uint8Array)) throw new TypeError(`${fn}: members must be a Uint8Array of 0/1 flags, got ${describe(members)}`);
  if (members.length !== scores.length) {
    throw new RangeError(`${fn}: scores has ${scores.length} entries but members has ${members.length}; expected one flag per score`);
  }
  let positives = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (m > 1) throw new RangeError(`${fn}: members[${i}] is ${m}, expected 0 (non-member) or 1 (member)`);
    positives += m;
  }
  return positives;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return value.constructor?.name ?? "object";
}
