// Attacks that learn from shadow models: an attack classifier trained on the shadow's posteriors of
// its own members and non-members, then applied to the target's posteriors.
import { topK } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import * as portable from "../util/portable-math.js";
import type { AttackContext, AttackInputData, AttackModel, AttackModelTrainer, AttackScores, AttackStrategy } from "./types.js";

export const DEFAULT_TOP_K = 3;

function requireShadow(name: string, context: AttackContext): { shadow: AttackInputData; train: AttackModelTrainer } {
  if (!context.shadow) throw new Error(`attack ${name}: needs shadow-model posteriors (context.shadow)`);
  if (!context.trainAttackModel) throw new Error(`attack ${name}: needs an attack-model trainer (context.trainAttackModel)`);
  return { shadow: context.shadow, train: context.trainAttackModel };
}

function stack(rowsA: Float32Array, rowsB: Float32Array): Float32Array {
  const out = new Float32Array(rowsA.length + rowsB.length);
  out.set(rowsA);
  out.set(rowsB, rowsA.length);
  return out;
}

const ATTACK_THRESHOLD_RULE = "attack model's P(member) >= 0.5";

/**
 * ML-Leaks adversaries 1 and 2 and the combining attack: one attack MLP on the top-k posteriors
 * sorted in descending order, which makes it independent of the class count and of the shadow's
 * architecture and data. Which shadow(s) produced context.shadow is the orchestration's business.
 */
export function topKShadowAttack(name: string, title: string, k = DEFAULT_TOP_K): AttackStrategy {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`attack ${name}: top-k must be a positive integer, got ${k}`);
  return {
    name,
    title,
    needsLabels: false,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { shadow, train } = requireShadow(name, context);
      const classes = Math.min(shadow.members.classes, target.members.classes);
      if (k > classes) {
        throw new RangeError(
          `attack ${name}: top-k = ${k} exceeds the class count (shadow ${shadow.members.classes}, target ${target.members.classes}); use k <= ${classes}`,
        );
      }
      const features = stack(topK(shadow.members, k), topK(shadow.nonMembers, k));
      const rows = shadow.members.rows + shadow.nonMembers.rows;
      const isMember = new Uint8Array(rows).fill(1, 0, shadow.members.rows);
      const model = await train(features, rows, k, isMember, context.seed);
      try {
        const members = await model.predictMember(topK(target.members, k), target.members.rows);
        const nonMembers = await model.predictMember(topK(target.nonMembers, k), target.nonMembers.rows);
        return { members, nonMembers, threshold: 0.5, thresholdRule: ATTACK_THRESHOLD_RULE };
      } finally {
        model.dispose();
      }
    },
  };
}

/** Rows of p whose label is c, as a fresh row-major block. */
function rowsOfClass(p: Posteriors, labels: Int32Array, c: number): { values: Float32Array; index: number[] } {
  const index: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === c) index.push(i);
  const values = new Float32Array(index.length * p.classes);
  index.forEach((row, j) => values.set(p.values.subarray(row * p.classes, (row + 1) * p.classes), j * p.classes));
  return { values, index };
}

/** The smallest positive float32: every posterior a float32 can hold keeps its exact log; only 0 is floored. */
const LOG_FLOOR = 2 ** -149;

/**
 * What Shokri's attack models read: the log of each posterior, standardized per feature with the
 * mean and standard deviation of the attack model's own training rows. Reference implementations
 * (PyTorch models return logits) feed log-scale scores; on raw float32 probabilities a confident
 * member's p_y rounds to 1 or differs from a non-member's in the fourth decimal, which the attack
 * MLP cannot resolve (dna: AUC 0.57 on raw posteriors, 0.60 on these; fashion-mnist's CNN with two
 * shadows, about 200 rows per attack model, loses 0.03 instead; README "Shokri's gap").
 */
class LogStandardizer {
  private readonly mean: Float64Array;
  private readonly scale: Float64Array;

  constructor(readonly width: number, training: Float32Array) {
    const rows = training.length / width;
    this.mean = new Float64Array(width);
    this.scale = new Float64Array(width);
    const logs = Float64Array.from(training, (v) => portable.log(Math.max(v, LOG_FLOOR)));
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) this.mean[j]! += logs[r * width + j]! / rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const d = logs[r * width + j]! - this.mean[j]!;
        this.scale[j]! += (d * d) / rows;
      }
    }
    // A constant feature (every row floored, say) is centred, not scaled.
    for (let j = 0; j < width; j++) this.scale[j] = Math.sqrt(this.scale[j]!) || 1;
  }

  apply(values: Float32Array): Float32Array {
    return Float32Array.from(values, (v, i) => (portable.log(Math.max(v, LOG_FLOOR)) - this.mean[i % this.width]!) / this.scale[i % this.width]!);
  }
}

/** What Shokri's attack models read: "log-standardized" (default) or "raw" posteriors (reports before the change). */
export type ShokriInputs = "log-standardized" | "raw";
export const SHOKRI_INPUTS: readonly ShokriInputs[] = ["log-standardized", "raw"];

/** A Shokri attack model, trained on its inputs and applied to the target's the same way. */
async function trainShokriModel(inputs: ShokriInputs, train: AttackModelTrainer, members: Float32Array, nonMembers: Float32Array, width: number, seed: number): Promise<AttackModel> {
  const training = stack(members, nonMembers);
  const standardizer = inputs === "log-standardized" ? new LogStandardizer(width, training) : undefined;
  const transform = (x: Float32Array) => standardizer?.apply(x) ?? x;
  const rows = training.length / width;
  const model = await train(transform(training), rows, width, new Uint8Array(rows).fill(1, 0, members.length / width), seed);
  return { predictMember: (x, n) => model.predictMember(transform(x), n), dispose: () => model.dispose() };
}

/**
 * Shokri et al. 2017: one attack model per class (the record's true label) on the full, unsorted
 * posterior vector (log-standardized, above), trained on the pooled shadow models' records of that
 * class. A class the shadows never saw on both sides falls back to one attack model trained on all
 * classes.
 */
export function shokriAttack(inputs: ShokriInputs = "log-standardized"): AttackStrategy {
  const name = "shokri";
  return {
    name,
    title: "Shokri et al. (per-class attack models)",
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { shadow, train } = requireShadow(name, context);
      const C = target.members.classes;
      if (shadow.members.classes !== C) {
        throw new Error(`attack ${name}: shadow posteriors have ${shadow.members.classes} classes, the target's have ${C}; Shokri needs the target's task`);
      }
      const need = (labels: Int32Array | undefined, what: string): Int32Array => {
        if (!labels) throw new Error(`attack ${name}: needs the labels of the ${what}`);
        return labels;
      };
      const shadowIn = need(shadow.membersLabels, "shadow members");
      const shadowOut = need(shadow.nonMembersLabels, "shadow non-members");
      const targetIn = need(target.membersLabels, "members");
      const targetOut = need(target.nonMembersLabels, "non-members");
      const members = new Float64Array(target.members.rows);
      const nonMembers = new Float64Array(target.nonMembers.rows);
      let fallback: AttackModel | undefined;
      const fallbackModel = async () => {
        fallback ??= await trainShokriModel(inputs, train, shadow.members.values, shadow.nonMembers.values, C, context.seed + C);
        return fallback;
      };
      try {
        for (let c = 0; c < C; c++) {
          const tin = rowsOfClass(target.members, targetIn, c);
          const tout = rowsOfClass(target.nonMembers, targetOut, c);
          if (tin.index.length + tout.index.length === 0) continue;
          const sin = rowsOfClass(shadow.members, shadowIn, c);
          const sout = rowsOfClass(shadow.nonMembers, shadowOut, c);
          const perClass = sin.index.length > 0 && sout.index.length > 0;
          const model = perClass ? await trainShokriModel(inputs, train, sin.values, sout.values, C, context.seed + c) : await fallbackModel();
          try {
            const pin = await model.predictMember(tin.values, tin.index.length);
            const pout = await model.predictMember(tout.values, tout.index.length);
            tin.index.forEach((row, j) => (members[row] = pin[j]!));
            tout.index.forEach((row, j) => (nonMembers[row] = pout[j]!));
          } finally {
            if (perClass) model.dispose();
          }
        }
      } finally {
        fallback?.dispose();
      }
      return { members, nonMembers, threshold: 0.5, thresholdRule: ATTACK_THRESHOLD_RULE };
    },
  };
}
