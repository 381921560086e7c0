// Attacks that need no attack model: adversary 3 (max posterior, entropy; threshold from noise
// queries) and the metric attacks of the later literature (loss, modified entropy, correctness).
import { correctness, crossEntropyLoss, entropy, maxPosterior, modifiedEntropy, percentile, rocCurve } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy } from "./types.js";

/** Default t of adversary 3: the threshold is the top-t percentile of the noise queries' scores. */
export const DEFAULT_TOP_PERCENTILE = 10;

type ScoreFunction = (p: Posteriors, labels: Int32Array | undefined) => Float64Array;

const toFloat64 = (values: Float32Array): Float64Array => Float64Array.from(values);
const negated = (values: Float32Array): Float64Array => Float64Array.from(values, (v) => -v);

function labelsOf(side: "members" | "nonMembers", input: AttackInputData, attack: string): Int32Array {
  const labels = side === "members" ? input.membersLabels : input.nonMembersLabels;
  if (!labels) throw new Error(`attack ${attack}: needs the true labels of the ${side === "members" ? "members" : "non-members"}`);
  return labels;
}

function scoreBoth(input: AttackInputData, attack: string, needsLabels: boolean, f: ScoreFunction) {
  return {
    members: f(input.members, needsLabels ? labelsOf("members", input, attack) : undefined),
    nonMembers: f(input.nonMembers, needsLabels ? labelsOf("nonMembers", input, attack) : undefined),
  };
}

/**
 * The threshold that best separates the shadow model's members from its non-members (max TPR - FPR,
 * i.e. best balanced accuracy): the attacker calibrates on data it controls.
 */
function shadowCalibratedThreshold(shadow: AttackInputData, attack: string, needsLabels: boolean, f: ScoreFunction): number {
  const s = scoreBoth(shadow, `${attack} (shadow calibration)`, needsLabels, f);
  const scores = new Float64Array(s.members.length + s.nonMembers.length);
  scores.set(s.members);
  scores.set(s.nonMembers, s.members.length);
  const isMember = new Uint8Array(scores.length).fill(1, 0, s.members.length);
  const roc = rocCurve(scores, isMember);
  let best = 0;
  for (let i = 1; i < roc.fpr.length; i++) {
    if (roc.tpr[i]! - roc.fpr[i]! > roc.tpr[best]! - roc.fpr[best]!) best = i;
  }
  return roc.thresholds[best]!;
}

export function topPercentileOf(values: Float64Array, t: number): number {
  return percentile(values, 100 - t);
}

/**
 * Adversary 3 (Salem et al.): score = a statistic of the posterior, threshold = the top-t
 * percentile of the same statistic on the target's answers to random noise. Without noise answers
 * (a posteriors-only audit), the known non-members stand in for the noise.
 */
function noiseThresholdAttack(name: string, title: string, statistic: (p: Posteriors) => Float64Array, t: number): AttackStrategy {
  return {
    name,
    title,
    needsLabels: false,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const members = statistic(target.members);
      const nonMembers = statistic(target.nonMembers);
      if (context.noise) {
        if (context.noise.classes !== target.members.classes) {
          throw new Error(`attack ${name}: noise posteriors have ${context.noise.classes} classes, the target's have ${target.members.classes}`);
        }
        const threshold = topPercentileOf(statistic(context.noise), t);
        return { members, nonMembers, threshold, thresholdRule: `top ${t}% of ${context.noise.rows} noise queries` };
      }
      const threshold = topPercentileOf(nonMembers, t);
      return { members, nonMembers, threshold, thresholdRule: `top ${t}% of the known non-members (no noise queries)` };
    },
  };
}

export function maxPosteriorAttack(t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  return noiseThresholdAttack("adversary-3-max", "Adversary 3: max posterior", (p) => toFloat64(maxPosterior(p)), t);
}

export function entropyAttack(t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  return noiseThresholdAttack("adversary-3-entropy", "Adversary 3: entropy", (p) => negated(entropy(p)), t);
}

/**
 * A label-aware metric attack. Threshold: calibrated on the shadow model when the attacker has
 * one; otherwise the top-t percentile of the known non-members (the auditor's operating point).
 */
function labelMetricAttack(name: string, title: string, f: ScoreFunction, t: number): AttackStrategy {
  return {
    name,
    title,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { members, nonMembers } = scoreBoth(target, name, true, f);
      if (context.shadow) {
        const threshold = shadowCalibratedThreshold(context.shadow, name, true, f);
        return { members, nonMembers, threshold, thresholdRule: "best balanced accuracy on the shadow model" };
      }
      return { members, nonMembers, threshold: topPercentileOf(nonMembers, t), thresholdRule: `top ${t}% of the known non-members` };
    },
  };
}

/** Yeom et al. 2018: members have lower loss. Score = -loss. */
export function lossAttack(t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  return labelMetricAttack("loss", "Loss (Yeom et al.)", (p, y) => negated(crossEntropyLoss(p, y!)), t);
}

/** Song & Mittal 2021: score = -modified entropy. */
export function modifiedEntropyAttack(t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  return labelMetricAttack("modified-entropy", "Modified entropy (Song & Mittal)", (p, y) => negated(modifiedEntropy(p, y!)), t);
}

/** Label-only: a record is called a member when the target classifies it correctly. */
export function correctnessAttack(): AttackStrategy {
  return {
    name: "correctness",
    title: "Correctness (label-only)",
    needsLabels: true,
    async score(target: AttackInputData): Promise<AttackScores> {
      const { members, nonMembers } = scoreBoth(target, "correctness", true, (p, y) => toFloat64(correctness(p, y!)));
      return { members, nonMembers, threshold: 1, thresholdRule: "member when correctly classified" };
    },
  };
}
