// Attacks that learn from shadow models: an attack classifier trained on the shadow's posteriors of
// its own members and non-members, then applied to the target's posteriors.
import { topK } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import * as portable from "../util/portable-math.js";
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

/** The smallest positive float32: every posterior a float32 can hold keeps its exact log; only 0 is floored. */
const LOG_FLOOR = 2 ** -149;
const logOf = (p: number) => portable.log(Math.max(p, LOG_FLOOR));

/**
 * What Shokri's attack models read:
 * - "label-log" (default): three features of a record's posterior vector, by its true label y: log p_y,
 *   the log of the largest other posterior and the log of the other posteriors' sum (1 - p_y without
 *   float32's cancellation near 1), standardized per attack model. The loss, the margin and the
 *   scaled logit are linear in them, and their number does not grow with the class count.
 * - "log-standardized": the log of every posterior, standardized per attack model (reports from
 *   before "label-log"; on ten classes the nine other logs are noise to an attack model of ~200 rows).
 * - "raw": the float32 posteriors (reports from before either), in which a confident member's p_y
 *   differs from a non-member's only in the fourth decimal.
 * README "Shokri's gap" has the figures (issue 13).
 */
export type ShokriInputs = "label-log" | "log-standardized" | "raw";
export const SHOKRI_INPUTS: readonly ShokriInputs[] = ["label-log", "log-standardized", "raw"];
export const DEFAULT_SHOKRI_INPUTS: ShokriInputs = "label-log";

/** The features of `rows` posterior vectors (row-major, `classes` wide), each read by its label. */
function shokriFeatures(inputs: Exclude<ShokriInputs, "raw">, p: Float32Array, classes: number, label: (row: number) => number): { width: number; values: Float64Array } {
  const rows = p.length / classes;
  if (inputs === "log-standardized") return { width: classes, values: Float64Array.from(p, logOf) };
  const values = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const y = label(r);
    let largest = 0;
    let rest = 0;
    for (let c = 0; c < classes; c++) {
      if (c === y) continue;
      const v = p[r * classes + c]!;
      rest += v;
      if (v > largest) largest = v;
    }
    values[r * 3] = logOf(p[r * classes + y]!);
    values[r * 3 + 1] = logOf(largest);
    values[r * 3 + 2] = logOf(rest);
  }
  return { width: 3, values };
}

/** Per-feature standardization with the mean and standard deviation of the attack model's own training rows. */
class Standardizer {
  private readonly mean: Float64Array;
  private readonly scale: Float64Array;

  constructor(readonly width: number, training: Float64Array) {
    const rows = training.length / width;
    this.mean = new Float64Array(width);
    this.scale = new Float64Array(width);
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) this.mean[j]! += training[r * width + j]! / rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const d = training[r * width + j]! - this.mean[j]!;
        this.scale[j]! += (d * d) / rows;
      }
    }
    // A constant feature (every row floored, say) is centred, not scaled.
    for (let j = 0; j < width; j++) this.scale[j] = Math.sqrt(this.scale[j]!) || 1;
  }

  apply(values: Float64Array): Float32Array {
    return Float32Array.from(values, (v, i) => (v - this.mean[i % this.width]!) / this.scale[i % this.width]!);
  }
}

/** Rows of posteriors with the label each is read by. */
interface LabeledRows {
  readonly values: Float32Array;
  readonly labels: ArrayLike<number>;
}

/** A Shokri attack model: P(member) of each row, read the way its training rows were. */
interface ShokriModel {
  predictMember(x: LabeledRows): Promise<Float64Array>;
  dispose(): void;
}

/** A Shokri attack model, trained on its inputs and applied to the target's the same way. */
async function trainShokriModel(inputs: ShokriInputs, train: AttackModelTrainer, members: LabeledRows, nonMembers: LabeledRows, classes: number, seed: number): Promise<ShokriModel> {
  const rows = members.labels.length + nonMembers.labels.length;
  const isMember = new Uint8Array(rows).fill(1, 0, members.labels.length);
  if (inputs === "raw") {
    const model = await train(stack(members.values, nonMembers.values), rows, classes, isMember, seed);
    return { predictMember: (x: LabeledRows) => model.predictMember(x.values, x.labels.length), dispose: () => model.dispose() };
  }
  const features = (x: LabeledRows) => shokriFeatures(inputs, x.values, classes, (r) => x.labels[r]!);
  const [a, b] = [features(members), features(nonMembers)];
  const training = new Float64Array(a.values.length + b.values.length);
  training.set(a.values);
  training.set(b.values, a.values.length);
  const standardizer = new Standardizer(a.width, training);
  const model = await train(standardizer.apply(training), rows, a.width, isMember, seed);
  return { predictMember: (x: LabeledRows) => model.predictMember(standardizer.apply(features(x).values), x.labels.length), dispose: () => model.dispose() };
}

/**
 * Shokri et al. 2017: one attack model per class (the record's true label), trained on the pooled
 * shadow models' records of that class, reading each record's posteriors as `inputs` says (above).
 * A class the shadows never saw on both sides falls back to one attack model trained on all classes.
 */
export function shokriAttack(inputs: ShokriInputs = DEFAULT_SHOKRI_INPUTS): AttackStrategy {
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
        const bad = labels.findIndex((y) => !(y >= 0 && y < C));
        if (bad >= 0) throw new RangeError(`attack ${name}: label ${labels[bad]} of ${what} record ${bad} is not a class of the ${C}-class posteriors (expected 0 to ${C - 1})`);
        return labels;
      };
      const shadowIn = need(shadow.membersLabels, "shadow members");
      const shadowOut = need(shadow.nonMembersLabels, "shadow non-members");
      const targetIn = need(target.membersLabels, "members");
      const targetOut = need(target.nonMembersLabels, "non-members");
      const members = new Float64Array(target.members.rows);
      const nonMembers = new Float64Array(target.nonMembers.rows);
      let fallback: ShokriModel | undefined;
      const fallbackModel = async () => {
        fallback ??= await trainShokriModel(inputs, train, { values: shadow.members.values, labels: shadowIn }, { values: shadow.nonMembers.values, labels: shadowOut }, C, context.seed + C);
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
          const ofClass = (rows: { values: Float32Array; index: number[] }): LabeledRows => ({ values: rows.values, labels: new Int32Array(rows.index.length).fill(c) });
          const model = perClass ? await trainShokriModel(inputs, train, ofClass(sin), ofClass(sout), C, context.seed + c) : await fallbackModel();
          try {
            const pin = await model.predictMember(ofClass(tin));
            const pout = await model.predictMember(ofClass(tout));
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
