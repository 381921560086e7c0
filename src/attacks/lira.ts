// LiRA (Carlini et al. 2022) and RMIA (Zarifzadeh et al. 2024): per-record likelihood tests against
// reference models the attacker trained with and without each record.
import { auc, Pcg32 } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import { DEFAULT_TOP_PERCENTILE } from "./metric.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy, ReferenceModels } from "./types.js";
import { concat } from "./signals.js";
import * as portable from "../util/portable-math.js";

/** Below this many IN (or OUT) models per record, LiRA uses one variance pooled over all records. */
export const LIRA_MIN_MODELS_PER_EXAMPLE_VARIANCE = 8;
/** RMIA's offline scaling a (Zarifzadeh et al.): Pr(x) ~ ((1 + a) mean_out + (1 - a)) / 2. */
export const RMIA_OFFLINE_A = 0.3;

/** The true-class confidence of each row, as float64. */
function trueClassProbability(p: Posteriors, labels: Int32Array, row: number): number {
  return p.values[row * p.classes + labels[row]!]!;
}

/** LiRA's scaled logit portable.log(p_y) - portable.log(sum of the other classes), computed from the other classes' sum. */
export function scaledLogit(p: Posteriors, labels: Int32Array, row: number): number {
  const base = row * p.classes;
  const y = labels[row]!;
  let rest = 0;
  for (let c = 0; c < p.classes; c++) if (c !== y) rest += p.values[base + c]!;
  return portable.log(Math.max(p.values[base + y]!, 1e-30)) - portable.log(Math.max(rest, 1e-30));
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`normalQuantile: q must lie in (0, 1), got ${q}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (r: number) => (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  if (q < 0.02425) return tail(Math.sqrt(-2 * portable.log(q)));
  if (q > 1 - 0.02425) return -tail(Math.sqrt(-2 * portable.log(1 - q)));
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
}

export function requireReferences(name: string, target: AttackInputData, context: AttackContext): { refs: ReferenceModels; labels: Int32Array } {
  const refs = context.references;
  if (!refs || refs.onTarget.length === 0) throw new Error(`attack ${name}: needs reference models (context.references)`);
  if (!target.membersLabels || !target.nonMembersLabels) throw new Error(`attack ${name}: needs the labels of members and non-members`);
  const rows = target.members.rows + target.nonMembers.rows;
  refs.onTarget.forEach((p, i) => {
    if (p.rows !== rows || p.classes !== target.members.classes) {
      throw new Error(`attack ${name}: reference model ${i} answered ${p.rows} x ${p.classes}, expected ${rows} x ${target.members.classes} (members then non-members)`);
    }
    if (refs.included[i]?.length !== rows) throw new Error(`attack ${name}: reference model ${i}'s inclusion mask must have ${rows} entries`);
  });
  const labels = new Int32Array(rows);
  labels.set(target.membersLabels);
  labels.set(target.nonMembersLabels, target.members.rows);
  return { refs, labels };
}

function split(scores: Float64Array, members: number): { members: Float64Array; nonMembers: Float64Array } {
  return { members: scores.slice(0, members), nonMembers: scores.slice(members) };
}

/** The reference models' answers on the records (one augmentation's, with augmented queries). */
type ReferenceAnswers = Pick<ReferenceModels, "onTarget" | "included">;

/** The median of xs (sorted in place), NaN when empty: Carlini et al.'s code's np.median. */
function median(xs: Float64Array): number {
  const n = xs.length;
  if (n === 0) return NaN;
  xs.sort();
  const h = n >> 1;
  return n % 2 === 1 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
}

/**
 * Per record, as Carlini et al.'s code (generate_ours): the IN and OUT Gaussians' means are the
 * MEDIANS of the reference models' scaled logits on that side, their variances np.var's (ddof 0,
 * deviations from the arithmetic mean).
 */
function gaussianFits(refs: ReferenceAnswers, labels: Int32Array) {
  const rows = labels.length;
  const stats = { inMean: new Float64Array(rows), inVar: new Float64Array(rows), inCount: new Int32Array(rows), outMean: new Float64Array(rows), outVar: new Float64Array(rows), outCount: new Int32Array(rows) };
  const models = refs.onTarget.length;
  const inside = new Float64Array(models);
  const outside = new Float64Array(models);
  const variance = (xs: Float64Array) => {
    let s = 0;
    for (const x of xs) s += x;
    const m = s / xs.length;
    let q = 0;
    for (const x of xs) q += (x - m) * (x - m);
    return q / xs.length;
  };
  for (let r = 0; r < rows; r++) {
    let nIn = 0, nOut = 0;
    refs.onTarget.forEach((p, m) => {
      const phi = scaledLogit(p, labels, r);
      if (refs.included[m]![r]) inside[nIn++] = phi;
      else outside[nOut++] = phi;
    });
    stats.inCount[r] = nIn;
    stats.outCount[r] = nOut;
    const ins = inside.subarray(0, nIn);
    const outs = outside.subarray(0, nOut);
    stats.inVar[r] = nIn > 1 ? variance(ins) : NaN;
    stats.outVar[r] = nOut > 1 ? variance(outs) : NaN;
    stats.inMean[r] = median(ins);
    stats.outMean[r] = median(outs);
  }
  return stats;
}

/** One variance pooled over every record's deviations from its own mean (auto's fallback for few models): sum of squares over sum of (n - 1). */
function pooledVariance(variance: Float64Array, count: Int32Array): number {
  let num = 0;
  let den = 0;
  for (let r = 0; r < variance.length; r++) {
    if (count[r]! > 1) {
      num += variance[r]! * count[r]!;
      den += count[r]! - 1;
    }
  }
  return den > 0 ? Math.max(num / den, 1e-12) : 1;
}

/**
 * Carlini et al.'s code's fixed variance: the variance (ddof 0) of every IN (or OUT) scaled logit of
 * every record, model and augmentation together, spread of the per-record means included
 * (np.std(dat_in) over its [records, models, augmentations] array).
 */
function globalVariance(views: readonly ReferenceAnswers[], labels: Int32Array, side: 0 | 1): number {
  let s = 0;
  let q = 0;
  let n = 0;
  for (const refs of views) {
    for (let r = 0; r < labels.length; r++) {
      refs.onTarget.forEach((p, m) => {
        if ((refs.included[m]![r] ? 0 : 1) !== side) return;
        const phi = scaledLogit(p, labels, r);
        s += phi;
        q += phi * phi;
        n++;
      });
    }
  }
  const mean = s / n;
  return n > 0 ? Math.max(q / n - mean * mean, 1e-12) : 1;
}

/** Carlini et al.'s code's standard deviation: sqrt(variance) + 1e-30 (scipy.stats.norm's scale). */
function deviation(variance: number): number {
  return Math.sqrt(variance) + 1e-30;
}

/** scipy.stats.norm.logpdf(x, mean, sd). */
function logNormalDensity(x: number, mean: number, sd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * portable.log(2 * Math.PI) - portable.log(sd) - 0.5 * z * z;
}

/**
 * How LiRA estimates each record's Gaussians' variances. per-example: each record's own IN/OUT
 * sample variance; global: one variance per side over all records (Carlini et al.'s fixed variance,
 * their choice for few reference models); auto: per-example where a record has at least
 * LIRA_MIN_MODELS_PER_EXAMPLE_VARIANCE models on that side, else the pooled within-record variance.
 */
export type LiraVariance = "auto" | "per-example" | "global";

const VARIANCE_WORDS: Readonly<Record<LiraVariance, string>> = {
  auto: `per-example variance with ${LIRA_MIN_MODELS_PER_EXAMPLE_VARIANCE}+ models a side, else pooled`,
  "per-example": "per-example variance",
  global: "global (fixed) variance",
};

/** One augmentation's LiRA scores of every record (members then non-members in `target`). */
function liraPass(target: Posteriors, refs: ReferenceAnswers, labels: Int32Array, mode: "offline" | "online", variance: LiraVariance, global: { in: number; out: number } | undefined): { out: Float64Array; perExample: number } {
  const fits = gaussianFits(refs, labels);
  const out = new Float64Array(labels.length);
  const fallbackOut = global ? global.out : pooledVariance(fits.outVar, fits.outCount);
  const fallbackIn = global ? global.in : pooledVariance(fits.inVar, fits.inCount);
  const minimum = variance === "per-example" ? 2 : LIRA_MIN_MODELS_PER_EXAMPLE_VARIANCE;
  let perExample = 0;
  const varianceOf = (v: number, n: number, fallback: number) => {
    if (variance !== "global" && n >= minimum && v > 0) return perExample++, v;
    return fallback;
  };
  for (let r = 0; r < labels.length; r++) {
    const phi = scaledLogit(target, labels, r);
    // A record with no OUT (or IN) model cannot be tested: the neutral score keeps it undecided.
    const muOut = Number.isNaN(fits.outMean[r]!) ? phi : fits.outMean[r]!;
    const vOut = varianceOf(fits.outVar[r]!, fits.outCount[r]!, fallbackOut);
    if (mode === "offline") {
      out[r] = (phi - muOut) / deviation(vOut);
    } else {
      const muIn = Number.isNaN(fits.inMean[r]!) ? phi : fits.inMean[r]!;
      const vIn = varianceOf(fits.inVar[r]!, fits.inCount[r]!, fallbackIn);
      out[r] = logNormalDensity(phi, muIn, deviation(vIn)) - logNormalDensity(phi, muOut, deviation(vOut));
    }
  }
  return { out, perExample };
}

/** The records' answers per augmentation: the plain queries first, then each augmented copy's block. */
function augmentationViews(name: string, refs: ReferenceModels, target: Posteriors): (ReferenceAnswers & { target: Posteriors })[] {
  const plain = { target, onTarget: refs.onTarget, included: refs.included };
  const augmented = refs.augmented;
  if (!augmented) return [plain];
  const { rows, classes } = target;
  const copies = augmented.queries - 1;
  const block = (p: Posteriors, k: number): Posteriors => ({ values: p.values.subarray(k * rows * classes, (k + 1) * rows * classes), rows, classes });
  for (const [i, p] of [augmented.target, ...augmented.references].entries()) {
    if (p.rows !== copies * rows || p.classes !== classes) throw new Error(`attack ${name}: ${i === 0 ? "the target" : `reference model ${i - 1}`} answered ${p.rows} x ${p.classes} on augmented copies, expected ${copies * rows} x ${classes}`);
  }
  if (augmented.references.length !== refs.onTarget.length) throw new Error(`attack ${name}: ${augmented.references.length} reference models answered the augmented copies, expected ${refs.onTarget.length}`);
  return [plain, ...Array.from({ length: copies }, (_, k) => ({ target: block(augmented.target, k), onTarget: augmented.references.map((p) => block(p, k)), included: refs.included }))];
}

/**
 * LiRA. Offline: z-score of the target's scaled logit against the OUT models' Gaussian (member when
 * it sits in the top t% of that Gaussian). Online: log-likelihood ratio of the IN and OUT Gaussians
 * (member when positive). Means are per-record medians; the variance follows `variance`.
 *
 * As Carlini et al.'s code (tensorflow/privacy research/mi_lira_2021, plot.py generate_ours and
 * generate_ours_offline): median means, np.std's ddof 0, sd + 1e-30, per-augmentation Gaussians and
 * the score averaged over augmentations. Where this differs, deliberately (README, "LiRA against the
 * reference code"):
 * - offline is the paper's one-sided test, the z-score (phi - mu_out) / sd_out, whose mean over
 *   augmentations is compared with the Gaussian's quantile; the code ranks by the two-sided
 *   -logpdf(phi; mu_out, sd_out), which also calls a record a member when the target fits it far
 *   WORSE than the OUT models do;
 * - the global variance is each side's own (np.std of every IN, or OUT, score); the code's online
 *   fix_variance takes std_out = np.std(dat_in), the IN one, for both (its offline one uses dat_out);
 * - no in_size/out_size truncation: the code keeps the first min-count scores of every record, which
 *   assumes every record is IN for the same number of models (its balanced keep); with our random
 *   halves it would throw most models away (down to 2 a side at 16 models);
 * - a per-example variance needs 2+ models on its side and a non-zero value, else the pooled (or
 *   global) one stands in; the code would divide by 1e-30.
 */
export function liraAttack(mode: "offline" | "online", t = DEFAULT_TOP_PERCENTILE, variance: LiraVariance = "auto"): AttackStrategy {
  const name = variance === "global" ? `lira-${mode}-global` : variance === "per-example" ? `lira-${mode}-per-example` : `lira-${mode}`;
  return {
    name,
    title: `LiRA (${mode}, ${VARIANCE_WORDS[variance]})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { refs, labels } = requireReferences(name, target, context);
      const views = augmentationViews(name, refs, concat(target.members, target.nonMembers));
      const global = variance === "global" ? { in: globalVariance(views, labels, 0), out: globalVariance(views, labels, 1) } : undefined;
      const passes = views.map((v) => liraPass(v.target, v, labels, mode, variance, global));
      // Carlini et al.'s multi-query LiRA: the mean over augmentations of the per-augmentation scores.
      const out = passes.length === 1 ? passes[0]!.out : Float64Array.from(labels, (_, r) => passes.reduce((s, p) => s + p.out[r]!, 0) / passes.length);
      const perExample = passes.reduce((s, p) => s + p.perExample, 0);
      const { members, nonMembers } = split(out, target.members.rows);
      const gaussians = (mode === "offline" ? 1 : 2) * labels.length * passes.length;
      const queries = refs.augmented ? `; ${passes.length} queries per record (${refs.augmented.what}), the mean of the per-augmentation scores` : "";
      const ran = `${refs.onTarget.length} reference models; ${perExample} of ${gaussians} Gaussians with their own variance, ${gaussians - perExample} with the ${variance === "global" ? "global" : "pooled"} one${queries}`;
      return mode === "offline"
        ? { members, nonMembers, threshold: normalQuantile(1 - t / 100), thresholdRule: `top ${t}% of the OUT models' Gaussian (${ran})` }
        : { members, nonMembers, threshold: 0, thresholdRule: `IN more likely than OUT (log-likelihood ratio >= 0; ${ran})` };
    },
  };
}

export interface RmiaOptions {
  /** Pr(x)'s scaling: a number in [0, 1], or "calibrated" (default): tuned on a reference model. */
  readonly a?: number | "calibrated";
  /** The likelihood-ratio threshold gamma: x beats z when LR(x, z) >= gamma (default 1). */
  readonly gamma?: number;
  /** Population records z used (a seeded sample; default all). */
  readonly populationSize?: number;
}

/** The grid the authors' code searches for offline a (0, 0.1, ..., 1). */
export const RMIA_A_GRID: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

/** Fraction of the sorted ratios z with ratio_x / ratio_z >= gamma, i.e. ratio_z <= ratio_x / gamma. */
function fractionBeaten(sortedZ: Float64Array, ratioX: number, gamma: number): number {
  const bound = ratioX / gamma;
  let lo = 0;
  let hi = sortedZ.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedZ[mid]! <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedZ.length;
}

/**
 * Offline RMIA scores of the records answered by `model`: Pr(x|model) over ((1 + a) mean_out(x) +
 * (1 - a)) / 2, compared with each z's Pr(z|model) over Pr(z), the mean over the references (no z
 * trained any of them, so no scaling).
 */
export function rmiaScores(
  model: { onRecords: (r: number) => number; onPopulation: (z: number) => number },
  outOnRecord: (r: number) => number[],
  referencesOnPopulation: (z: number) => number[],
  records: number,
  population: readonly number[],
  a: number,
  gamma: number,
): Float64Array {
  const zRatios = Float64Array.from(population, (z) => {
    const refs = referencesOnPopulation(z);
    const mean = refs.reduce((s, v) => s + v, 0) / refs.length;
    return model.onPopulation(z) / Math.max(mean, 1e-30);
  });
  zRatios.sort();
  return Float64Array.from({ length: records }, (_, r) => {
    const out = outOnRecord(r);
    const prX = out.length > 0 ? ((1 + a) * (out.reduce((s, v) => s + v, 0) / out.length) + (1 - a)) / 2 : 1;
    return fractionBeaten(zRatios, model.onRecords(r) / Math.max(prX, 1e-30), gamma);
  });
}

/**
 * RMIA (offline, Zarifzadeh et al.). Pr(x) from the reference models that did not train on x,
 * scaled by a; the score of x is the fraction of population records z with LR(x, z) >= gamma.
 * Member when x beats at least 1 - t% of the population. With a = "calibrated" (as the authors'
 * code), reference model 0 plays the target: the a of RMIA_A_GRID whose attack on its candidates
 * (the others as its references) has the best AUC is used; without a second reference model, or when
 * reference model 0 is IN (or OUT) on every record, a stays 0.3.
 */
export function rmiaAttack(t = DEFAULT_TOP_PERCENTILE, options: RmiaOptions = {}): AttackStrategy {
  const name = "rmia";
  const gamma = options.gamma ?? 1;
  const aOption = options.a ?? "calibrated";
  if (!(gamma > 0)) throw new RangeError(`rmia: gamma must be a positive number, got ${gamma}`);
  if (aOption !== "calibrated" && !(aOption >= 0 && aOption <= 1)) throw new RangeError(`rmia: a must lie in [0, 1] or be "calibrated", got ${aOption}`);
  if (options.populationSize !== undefined && !(Number.isInteger(options.populationSize) && options.populationSize >= 1)) {
    throw new RangeError(`rmia: populationSize must be a positive integer, got ${options.populationSize}`);
  }
  return {
    name,
    title: `RMIA (offline, gamma ${gamma}, a ${aOption})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { refs, labels } = requireReferences(name, target, context);
      const population = refs.population;
      if (!population || population.target.rows === 0) throw new Error(`attack ${name}: needs population records (context.references.population)`);
      if (population.references.length !== refs.onTarget.length) throw new Error(`attack ${name}: the population must be answered by each of the ${refs.onTarget.length} reference models`);
      const zAll = population.target.rows;
      const zCount = Math.min(zAll, options.populationSize ?? zAll);
      const zs = Array.from(zCount === zAll ? Int32Array.from({ length: zAll }, (_, i) => i) : new Pcg32(context.seed, 11).permutation(zAll).slice(0, zCount));
      const conf = (p: Posteriors, l: Int32Array) => (row: number) => trueClassProbability(p, l, row);
      const outOn = (skip: number) => (r: number) => refs.onTarget.flatMap((p, m) => (m !== skip && !refs.included[m]![r] ? [trueClassProbability(p, labels, r)] : []));
      const refsOnZ = (skip: number) => (z: number) => population.references.flatMap((p, m) => (m !== skip ? [trueClassProbability(p, population.labels, z)] : []));
      let a = RMIA_OFFLINE_A;
      let how = "a default";
      if (aOption !== "calibrated") (a = aOption), (how = "a given");
      else if (refs.onTarget.length >= 2 && refs.included[0]!.includes(1) && refs.included[0]!.includes(0)) {
        const pseudo = { onRecords: conf(refs.onTarget[0]!, labels), onPopulation: conf(population.references[0]!, population.labels) };
        let best = -1;
        for (const candidate of RMIA_A_GRID) {
          const s = rmiaScores(pseudo, outOn(0), refsOnZ(0), labels.length, zs, candidate, gamma);
          const value = auc(s, refs.included[0]!);
          if (value > best) (best = value), (a = candidate);
        }
        how = `a calibrated on reference model 0 (AUC ${best.toFixed(3)})`;
      } else how = "a default: calibration needs 2+ reference models, the first IN on some records and OUT on others";
      const targetRows = (r: number) => (r < target.members.rows ? trueClassProbability(target.members, target.membersLabels!, r) : trueClassProbability(target.nonMembers, target.nonMembersLabels!, r - target.members.rows));
      const scores = rmiaScores({ onRecords: targetRows, onPopulation: conf(population.target, population.labels) }, outOn(-1), refsOnZ(-1), labels.length, zs, a, gamma);
      const { members, nonMembers } = split(scores, target.members.rows);
      return { members, nonMembers, threshold: 1 - t / 100, thresholdRule: `beats ${100 - t}% of ${zCount} population records (gamma ${gamma}, a ${a}: ${how})` };
    },
  };
}
