// MemGuard (Jia et al., CCS 2019): the model trains as usual; each answer gets noise on its logits,
// chosen so the defender's own membership classifier is fooled (its output crosses 0.5), the
// predicted label is kept and the answer stays a probability vector.
// Phase I (the paper's Algorithm 1): gradient steps on the noise r minimising
//   |h(s(z + r))| + c2 ReLU(max_{j != l} (z + r)_j - (z + r)_l) + c3 |s(z + r) - s(z)|_2,
// h the defender's classifier's member-vs-non-member logit, s softmax, l the label; c3 grows
// tenfold while the search still succeeds (smaller noise). Phase II: the noise is added with
// probability min(1, budget / |s(z + r) - s(z)|_1), so the expected L1 distortion is within the
// budget. The defender's classifier is an attack MLP trained, like ML-Leaks' adversary 1, on a
// defender's model fitted on a seeded half of the target's training part (members) and asked the
// other half too (non-members): data the defender holds.
import { Pcg32 } from "../kernels/random.js";
import type { Posteriors } from "../types.js";
import * as portable from "../util/portable-math.js";
import type { Defence, DefenceSettings } from "./types.js";
import { validationSplit } from "./early-stopping.js";

export interface MemGuardSettings {
  /** Expected L1 distortion allowed per answer (phase II), in [0, 2]. */
  readonly budget: number;
}

export const MEMGUARD_DEFAULTS = { budget: 0.5 } as const;
/** The paper's search settings: iterations per round, the label term's weight, the first distortion weight, the step;
 *  and a shortcut of ours: a round gives up once |h| has not fallen for `patience` steps (the last
 *  round, whose distortion weight holds the classifier on its side, otherwise spends all 300). */
export const MEMGUARD_SEARCH = { maxIterations: 300, c2: 10, c3: 0.1, step: 0.1, rounds: 4, patience: 30 } as const;
/** Logits of zero posteriors (log 0) floored here. */
const LOGIT_FLOOR = -30;

const settingsOf = (s: DefenceSettings): MemGuardSettings => s.memguard ?? MEMGUARD_DEFAULTS;

/** The defender's membership classifier: the attack MLP's weights (inputs -> tanh hidden -> 2), on
 *  posteriors sorted in descending order; class 1 is "member". */
export interface DefenceClassifier {
  /** [kernel (inputs x hidden), bias, kernel (hidden x 2), bias], as Classifier.weights() gives them. */
  readonly weights: readonly Float32Array[];
}

function tanh(a: number): number {
  if (a > 20) return 1;
  const e = portable.expm1(2 * a);
  return e / (e + 2);
}

function softmaxInto(z: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += out[c] = portable.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) out[c]! /= sum;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

/** One answer's search; reusable buffers sized for one classifier. */
class NoiseSearch {
  private readonly inputs: number;
  private readonly hidden: number;
  private readonly order: Int32Array;
  private readonly p: Float64Array;
  private readonly hiddenOut: Float64Array;
  private readonly dHidden: Float64Array;
  private readonly dp: Float64Array;
  private readonly z: Float64Array;
  private readonly grad: Float64Array;

  constructor(private readonly classifier: DefenceClassifier) {
    this.hidden = classifier.weights[1]!.length;
    this.inputs = classifier.weights[0]!.length / this.hidden;
    this.order = new Int32Array(this.inputs);
    this.p = new Float64Array(this.inputs);
    this.hiddenOut = new Float64Array(this.hidden);
    this.dHidden = new Float64Array(this.hidden);
    this.dp = new Float64Array(this.inputs);
    this.z = new Float64Array(this.inputs);
    this.grad = new Float64Array(this.inputs);
  }

  /** h = member logit - non-member logit at posteriors p (softmax of z); with `gradient`, dh/dp into this.dp. */
  logit(p: Float64Array, gradient: boolean): number {
    const [w1, b1, w2, b2] = this.classifier.weights as [Float32Array, Float32Array, Float32Array, Float32Array];
    const { inputs, hidden, order, hiddenOut } = this;
    for (let c = 0; c < inputs; c++) order[c] = c;
    order.sort((a, b) => p[b]! - p[a]! || a - b);
    let h = b2[1]! - b2[0]!;
    for (let k = 0; k < hidden; k++) {
      let a = b1[k]!;
      for (let j = 0; j < inputs; j++) a += w1[j * hidden + k]! * p[order[j]!]!;
      hiddenOut[k] = tanh(a);
      h += (w2[k * 2 + 1]! - w2[k * 2]!) * hiddenOut[k]!;
    }
    if (gradient) {
      for (let k = 0; k < hidden; k++) this.dHidden[k] = (w2[k * 2 + 1]! - w2[k * 2]!) * (1 - hiddenOut[k]! * hiddenOut[k]!);
      for (let j = 0; j < inputs; j++) {
        let g = 0;
        for (let k = 0; k < hidden; k++) g += w1[j * hidden + k]! * this.dHidden[k]!;
        this.dp[order[j]!] = g;
      }
    }
    return h;
  }

  /** The noisy posteriors of phase I for logits z0 (posteriors p0), or undefined when no round succeeds. */
  search(z0: Float64Array, p0: Float64Array): Float64Array | undefined {
    const { maxIterations, c2, step, rounds, patience } = MEMGUARD_SEARCH;
    const classes = this.inputs;
    const label = argmax(z0);
    const h0 = this.logit(p0, false);
    if (h0 === 0) return undefined;
    const { z, p, grad, dp } = this;
    let found: Float64Array | undefined;
    let c3: number = MEMGUARD_SEARCH.c3;
    for (let round = 0; round < rounds; round++, c3 *= 10) {
      z.set(z0);
      let success = false;
      let closest = Infinity;
      let sinceCloser = 0;
      for (let i = 0; i <= maxIterations; i++) {
        softmaxInto(z, p);
        const h = this.logit(p, true);
        let rival = label === 0 ? 1 : 0;
        for (let c = 0; c < classes; c++) if (c !== label && z[c]! > z[rival]!) rival = c;
        if (z[label]! > z[rival]! && Math.sign(h) !== Math.sign(h0)) {
          success = true;
          break;
        }
        if (Math.abs(h) < closest) {
          closest = Math.abs(h);
          sinceCloser = 0;
        } else if (++sinceCloser >= patience) break;
        if (i === maxIterations) break;
        // dL/dp from |h| and c3 |p - p0|_2, through the softmax's Jacobian, then the label term on z.
        let distance = 0;
        for (let c = 0; c < classes; c++) distance += (p[c]! - p0[c]!) * (p[c]! - p0[c]!);
        distance = Math.sqrt(distance);
        let dot = 0;
        for (let c = 0; c < classes; c++) {
          dp[c] = Math.sign(h) * dp[c]! + (distance > 0 ? (c3 * (p[c]! - p0[c]!)) / distance : 0);
          dot += p[c]! * dp[c]!;
        }
        for (let c = 0; c < classes; c++) grad[c] = p[c]! * (dp[c]! - dot);
        if (z[rival]! >= z[label]!) {
          grad[rival]! += c2;
          grad[label]! -= c2;
        }
        let norm = 0;
        for (let c = 0; c < classes; c++) norm += grad[c]! * grad[c]!;
        norm = Math.sqrt(norm);
        if (!(norm > 0)) break;
        for (let c = 0; c < classes; c++) z[c]! -= (step * grad[c]!) / norm;
      }
      if (!success) break;
      found = Float64Array.from(p);
    }
    return found;
  }
}

/** MemGuard's answers: each row's noisy posteriors (phase I) released with phase II's probability,
 *  one uniform draw of `rng` per row; every row keeps its predicted label (argmax, lowest index on ties). */
export function memGuard(posteriors: Posteriors, classifier: DefenceClassifier, budget: number, rng: Pcg32): Posteriors {
  if (!(budget >= 0 && budget <= 2)) throw new RangeError(`memguard: expected a budget from 0 to 2 (the L1 distance between two distributions is at most 2), got ${budget}`);
  const { rows, classes } = posteriors;
  const [kernel, bias, output, outputBias] = classifier.weights;
  if (classifier.weights.length !== 4 || !bias?.length || output?.length !== bias.length * 2 || outputBias?.length !== 2) {
    throw new RangeError(`memguard: expected the defender's classifier as [kernel, bias, kernel, bias] of one hidden layer and 2 outputs, got ${classifier.weights.length} arrays`);
  }
  const inputs = kernel!.length / bias.length;
  if (inputs !== classes) throw new RangeError(`memguard: the defender's classifier reads ${inputs} posteriors, the model answers ${classes}`);
  const search = new NoiseSearch(classifier);
  const values = Float32Array.from(posteriors.values);
  const coins = rng.fillFloat64(rows);
  const z0 = new Float64Array(classes);
  const p0 = new Float64Array(classes);
  const noisy = new Float32Array(classes);
  for (let r = 0; r < rows; r++) {
    const row = posteriors.values.subarray(r * classes, (r + 1) * classes);
    for (let c = 0; c < classes; c++) z0[c] = Math.max(portable.log(row[c]!), LOGIT_FLOOR);
    softmaxInto(z0, p0);
    const found = search.search(z0, p0);
    if (!found) continue;
    let distortion = 0;
    for (let c = 0; c < classes; c++) distortion += Math.abs(found[c]! - p0[c]!);
    const probability = distortion <= budget ? 1 : budget / distortion;
    if (coins[r]! >= probability) continue;
    noisy.set(found);
    // float32 rounding could tie the label with another class: then the row stays as it was.
    if (argmax(noisy) === argmax(row)) values.set(noisy, r * classes);
  }
  return { values, rows, classes };
}

export const memGuardDefence: Defence = {
  name: "memguard",
  summary: "MemGuard: noise on the logits that fools the defender's own attack model, label kept, expected L1 distortion within --memguard-budget",
  label: (s) => `memguard (budget ${settingsOf(s).budget})`,
  plan(ctx) {
    const { budget } = settingsOf(ctx.settings);
    const kind = ctx.settings.target;
    // The defender's data: its training part, halved into its model's members and non-members.
    const { train: members, validation: nonMembers } = validationSplit(ctx.train, 0.5, ctx.seeds.defence);
    const queryOf = (d: typeof members) => ({ features: d.features, rows: d.labels.length });
    const target = ctx.job(kind, ctx.train, ctx.seeds.target, ctx.queries);
    const defenderModel = ctx.job(kind, members, ctx.seeds.defence + 1, [queryOf(members), queryOf(nonMembers)]);
    return {
      jobs: [
        { label: `target ${kind}`, job: target },
        { label: `memguard defender's model ${kind}`, job: defenderModel },
      ],
      laterJobs: 1,
      async finish([trained, defender], trainLater) {
        const [inAnswers, outAnswers] = defender!.posteriors as [Posteriors, Posteriors];
        const classes = inAnswers.classes;
        const features = new Float32Array((inAnswers.rows + outAnswers.rows) * classes);
        [inAnswers, outAnswers].forEach((answers, part) => {
          for (let r = 0; r < answers.rows; r++) {
            const sorted = answers.values.slice(r * classes, (r + 1) * classes).sort().reverse();
            features.set(sorted, (part * inAnswers.rows + r) * classes);
          }
        });
        const isMember = Int32Array.from({ length: inAnswers.rows + outAnswers.rows }, (_, i) => (i < inAnswers.rows ? 1 : 0));
        const attackData = { features, recordShape: [classes], labels: isMember, numClasses: 2 };
        const classifier = await trainLater("memguard defender's attack model", ctx.job("attack-mlp", attackData, ctx.seeds.defence + 2, []));
        const rng = new Pcg32(ctx.seeds.defence, 3);
        return {
          answers: trained!.posteriors.map((p) => memGuard(p, { weights: classifier.weights }, budget, rng)),
          kind,
          weightsSha256: trained!.weightsSha256,
        };
      },
    };
  },
};
