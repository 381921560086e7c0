// Turns an attack's scores into the figures every attack reports, through the ROC kernels:
// precision/recall/accuracy of the member class at the attack's own threshold, AUC, TPR at low
// FPR, attacker advantage, and a ROC curve small enough for a report; each with its confidence
// interval, the sample's limits (base rate, lowest resolvable FPR) and the epsilon lower bound.
import type { AttackMetrics, AttackScores, AttackStatistics, Interval, RocPoints, StatisticsOptions } from "../attacks/types.js";
import { confusionAt, Pcg32, rocAnalysis } from "../kernels/index.js";
import { checkDelta, DEFAULT_DELTA, rocEpsilonLowerBound } from "./epsilon.js";
import { advantageInterval, checkConfidence, clopperPearson, delongInterval } from "./intervals.js";
import * as portable from "../util/portable-math.js";

/** Members' scores then non-members', with the matching 1/0 membership vector. */
export function membershipVectors(scores: Pick<AttackScores, "members" | "nonMembers">): {
  scores: Float64Array;
  isMember: Uint8Array;
} {
  const all = new Float64Array(scores.members.length + scores.nonMembers.length);
  all.set(scores.members, 0);
  all.set(scores.nonMembers, scores.members.length);
  const isMember = new Uint8Array(all.length);
  isMember.fill(1, 0, scores.members.length);
  return { scores: all, isMember };
}

/** The statistics' defaults: 95% intervals, delta 1e-5, 500 bootstrap resamples (each is a full ROC sweep; an audit runs dozens of attacks), no balancing. */
export const STATISTICS_DEFAULTS = { confidence: 0.95, delta: DEFAULT_DELTA, bootstrapResamples: 500, balance: false } as const;

/** Every statistics option filled in and checked; what reports record under config.statistics. */
export function resolveStatistics(options: StatisticsOptions = {}): Required<StatisticsOptions> {
  const resolved = { ...STATISTICS_DEFAULTS, ...options };
  checkConfidence(resolved.confidence, "confidence");
  checkDelta(resolved.delta, "delta");
  if (!(Number.isInteger(resolved.bootstrapResamples) && resolved.bootstrapResamples >= 2)) {
    throw new RangeError(`bootstrapResamples must be an integer of at least 2, got ${resolved.bootstrapResamples}`);
  }
  return resolved;
}

export function evaluateAttack(
  name: string,
  result: AttackScores,
  options: StatisticsOptions & { readonly seed?: number } = {},
): { metrics: AttackMetrics; roc: RocPoints } {
  if (result.members.length === 0 || result.nonMembers.length === 0) {
    throw new Error(`attack ${name}: needs at least one member and one non-member record`);
  }
  for (const [side, values] of [["member", result.members], ["non-member", result.nonMembers]] as const) {
    for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) throw new Error(`attack ${name}: score of ${side} ${i} is NaN`);
  }
  if (Number.isNaN(result.threshold)) throw new Error(`attack ${name}: threshold is NaN`);
  const { confidence, delta, bootstrapResamples: resamples } = resolveStatistics(options);
  const seed = options.seed ?? 0;
  const balanced = options.balance ? balance(result, seed) : undefined;
  const evaluated = balanced?.scores ?? result;
  const { scores, isMember } = membershipVectors(evaluated);
  const P = evaluated.members.length;
  const N = evaluated.nonMembers.length;
  const confusion = confusionAt(scores, isMember, result.threshold);
  const analysis = rocAnalysis(scores, isMember, [0.001, 0.01]);
  const { counts } = analysis;
  const tprInterval = (maxFpr: number): Interval | null => {
    if (maxFpr * N < 1) return null; // no threshold can have an FPR that small but above 0
    let k = 0;
    for (let g = 0; g < counts.tp.length && counts.fp[g]! <= maxFpr * N; g++) k = counts.tp[g]!;
    return roundInterval(clopperPearson(k, P, confidence));
  };
  const tpr = confusion.tp / P;
  const fpr = confusion.fp / N;
  const epsilon = rocEpsilonLowerBound(counts, delta, confidence);
  const statistics: AttackStatistics = {
    confidence,
    baseRate: P / (P + N),
    balancedPrecision: tpr + fpr > 0 ? tpr / (tpr + fpr) : 0,
    lowestResolvableFpr: 1 / N,
    auc: roundInterval(delongInterval(analysis.auc, analysis.aucVariance, confidence)),
    aucStandardError: Number.isNaN(analysis.aucVariance) ? null : round(Math.sqrt(analysis.aucVariance)),
    precision: roundInterval(clopperPearson(confusion.tp, confusion.tp + confusion.fp, confidence)),
    recall: roundInterval(clopperPearson(confusion.tp, P, confidence)),
    tprAtFpr: { "0.001": tprInterval(0.001), "0.01": tprInterval(0.01) },
    advantage: roundInterval(advantageInterval(scores, isMember, { seed, resamples, confidence })),
    bootstrapResamples: resamples,
    epsilon: { value: round(epsilon.epsilon), delta, ...(epsilon.threshold !== undefined ? { threshold: epsilon.threshold } : {}) },
    ...degenerate(result.threshold, scores, P, N),
    ...(balanced ? { balanced: balanced.summary } : {}),
  };
  const metrics: AttackMetrics = {
    members: P,
    nonMembers: N,
    threshold: result.threshold,
    thresholdRule: result.thresholdRule,
    tp: confusion.tp,
    fp: confusion.fp,
    tn: confusion.tn,
    fn: confusion.fn,
    precision: confusion.precision,
    recall: confusion.recall,
    accuracy: confusion.accuracy,
    auc: analysis.auc,
    tprAtFpr: { "0.001": analysis.tprAtFpr[0]!, "0.01": analysis.tprAtFpr[1]! },
    advantage: analysis.attackerAdvantage,
    statistics,
  };
  return { metrics, roc: downsampleRoc(analysis.curve.fpr, analysis.curve.tpr) };
}

/** The larger side subsampled (seeded, order kept) to the smaller side's size. */
function balance(result: AttackScores, seed: number): { scores: Pick<AttackScores, "members" | "nonMembers">; summary: NonNullable<AttackStatistics["balanced"]> } | undefined {
  const P = result.members.length;
  const N = result.nonMembers.length;
  if (P === N) return undefined;
  const larger = P > N ? result.members : result.nonMembers;
  const keep = new Pcg32(seed, 0xba1a).permutation(larger.length).subarray(0, Math.min(P, N)).sort();
  const kept = Float64Array.from(keep, (i) => larger[i]!);
  return P > N
    ? { scores: { members: kept, nonMembers: result.nonMembers }, summary: { side: "members", from: P, to: N } }
    : { scores: { members: result.members, nonMembers: kept }, summary: { side: "non-members", from: N, to: P } };
}

/** A threshold above or below every score, in words (the figures next to it mean little otherwise). */
function degenerate(threshold: number, scores: Float64Array, P: number, N: number): { degenerateThreshold?: string } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    lo = Math.min(lo, scores[i]!);
    hi = Math.max(hi, scores[i]!);
  }
  if (threshold > hi) {
    return {
      degenerateThreshold: `the threshold (${threshold.toPrecision(4)}) lies above every record's score (highest ${hi.toPrecision(4)}): the attack predicts no record a member, so precision and recall are 0 whatever its AUC; AUC, TPR at low FPR and advantage do not depend on this threshold`,
    };
  }
  if (threshold <= lo) {
    return {
      degenerateThreshold: `the threshold (${threshold.toPrecision(4)}) lies at or below every record's score (lowest ${lo.toPrecision(4)}): the attack predicts every record a member, so recall is 1 and precision is the base rate ${(P / (P + N)).toFixed(3)}; AUC, TPR at low FPR and advantage do not depend on this threshold`,
    };
  }
  return {};
}

export function roundInterval([lo, hi]: Interval): Interval | null {
  return Number.isNaN(lo) || Number.isNaN(hi) ? null : [round(lo), round(hi)];
}

/**
 * Keeps a ROC point whenever it enters a new bucket of linear FPR, logarithmic FPR (40 a decade,
 * down to 1e-7) or linear TPR, plus the endpoints: at most about a thousand points, yet every
 * low-FPR step survives for log-log plots. Values are rounded to 1e-7 to keep reports small.
 */
export function downsampleRoc(fpr: ArrayLike<number>, tpr: ArrayLike<number>, linearBuckets = 200): RocPoints {
  const out: RocPoints = { fpr: [], tpr: [] };
  const n = fpr.length;
  let last = ["", "", ""];
  let lastKept = -1;
  for (let i = 0; i < n; i++) {
    const f = fpr[i]!;
    const t = tpr[i]!;
    const keys = [
      String(Math.floor(f * linearBuckets)),
      String(f <= 0 ? -Infinity : Math.floor(portable.log10(Math.max(f, 1e-7)) * 40)),
      String(Math.floor(t * linearBuckets)),
    ];
    const keep = i === 0 || i === n - 1 || keys.some((key, j) => key !== last[j]);
    if (!keep) continue;
    // Keep the step's corner too, so a plotted staircase stays exact where it matters.
    if (lastKept >= 0 && lastKept !== i - 1) {
      out.fpr.push(round(fpr[i - 1]!));
      out.tpr.push(round(tpr[i - 1]!));
    }
    out.fpr.push(round(f));
    out.tpr.push(round(t));
    last = keys;
    lastKept = i;
  }
  return out;
}

/** Rounded to 1e-7, to keep reports small and free of last-bit differences between engines' Math. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Math.round(x * 1e7) / 1e7;
}
