// Attacks that learn from shadow models: an attack classifier trained on the shadow's posteriors of
// its own members and non-members, then applied to the target's posteriors.
import { topK } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import type { AttackContext, AttackInputData, AttackModelTrainer, AttackScores, AttackStrategy } from "./types.js";

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

/**
 * Shokri et al. 2017: one attack model per class on the full posterior vector, trained on the
 * pooled shadow models' records of that class. A class the shadows never saw on both sides falls
 * back to one attack model trained on all classes.
 */
export function shokriAttack(): AttackStrategy {
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
      let fallback: Awaited<ReturnType<AttackModelTrainer>> | undefined;
      const fallbackModel = async () => {
        if (!fallback) {
          const rows = shadow.members.rows + shadow.nonMembers.rows;
          fallback = await train(stack(shadow.members.values, shadow.nonMembers.values), rows, C, new Uint8Array(rows).fill(1, 0, shadow.members.rows), context.seed + C);
        }
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
          const rows = sin.index.length + sout.index.length;
          const model = perClass
            ? await train(stack(sin.values, sout.values), rows, C, new Uint8Array(rows).fill(1, 0, sin.index.length), context.seed + c)
            : await fallbackModel();
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
