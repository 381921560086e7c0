// LiRA (Carlini et al. 2022) and RMIA (Zarifzadeh et al. 2024): per-record likelihood tests against
// reference models the attacker trained with and without each record.
import type { Posteriors } from "../types.js";
import { DEFAULT_TOP_PERCENTILE } from "./metric.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy, ReferenceModels } from "./types.js";
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

function requireReferences(name: string, target: AttackInputData, context: AttackContext): { refs: ReferenceModels; labels: Int32Array } {
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

/** Per record: mean and variance of the reference models' scaled logits, IN and OUT separately. */
function gaussianFits(refs: ReferenceModels, labels: Int32Array) {
  const rows = labels.length;
  const stats = { inMean: new Float64Array(rows), inVar: new Float64Array(rows), inCount: new Int32Array(rows), outMean: new Float64Array(rows), outVar: new Float64Array(rows), outCount: new Int32Array(rows) };
  for (let r = 0; r < rows; r++) {
    let sIn = 0, qIn = 0, nIn = 0, sOut = 0, qOut = 0, nOut = 0;
    refs.onTarget.forEach((p, m) => {
      const phi = scaledLogit(p, labels, r);
      if (refs.included[m]![r]) (sIn += phi), (qIn += phi * phi), nIn++;
      else (sOut += phi), (qOut += phi * phi), nOut++;
    });
    stats.inCount[r] = nIn;
    stats.outCount[r] = nOut;
    stats.inMean[r] = nIn > 0 ? sIn / nIn : NaN;
    stats.outMean[r] = nOut > 0 ? sOut / nOut : NaN;
    stats.inVar[r] = nIn > 1 ? (qIn - (sIn * sIn) / nIn) / (nIn - 1) : NaN;
    stats.outVar[r] = nOut > 1 ? (qOut - (sOut * sOut) / nOut) / (nOut - 1) : NaN;
  }
  return stats;
}

/** One variance pooled over every record's deviations (Carlini et al.'s "fixed variance" for few models). */
function pooledVariance(mean: Float64Array, variance: Float64Array, count: Int32Array): number {
  let num = 0;
  let den = 0;
  for (let r = 0; r < mean.length; r++) {
    if (count[r]! > 1) {
      num += variance[r]! * (count[r]! - 1);
      den += count[r]! - 1;
    }
  }
  return den > 0 ? Math.max(num / den, 1e-12) : 1;
}

function logNormalDensity(x: number, mean: number, variance: number): number {
  return -0.5 * portable.log(2 * Math.PI * variance) - ((x - mean) * (x - mean)) / (2 * variance);
}

/**
 * LiRA. Offline: z-score of the target's scaled logit against the OUT models' Gaussian (member when
 * it sits in the top t% of that Gaussian). Online: log-likelihood ratio of the IN and OUT Gaussians
 * (member when positive).
 */
export function liraAttack(mode: "offline" | "online", t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  const name = `lira-${mode}`;
  return {
    name,
    title: `LiRA (${mode})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { refs, labels } = requireReferences(name, target, context);
      const fits = gaussianFits(refs, labels);
      const out = new Float64Array(labels.length);
      const globalOut = pooledVariance(fits.outMean, fits.outVar, fits.outCount);
      const globalIn = pooledVariance(fits.inMean, fits.inVar, fits.inCount);
      const varianceOf = (v: number, n: number, pooled: number) => (n >= LIRA_MIN_MODELS_PER_EXAMPLE_VARIANCE && v > 0 ? v : pooled);
      const rows = [target.members, target.nonMembers];
      for (let r = 0; r < labels.length; r++) {
        const side = r < target.members.rows ? 0 : 1;
        const row = side === 0 ? r : r - target.members.rows;
        const sideLabels = side === 0 ? target.membersLabels! : target.nonMembersLabels!;
        const phi = scaledLogit(rows[side]!, sideLabels, row);
        // A record with no OUT (or IN) model cannot be tested: the neutral score keeps it undecided.
        const muOut = Number.isNaN(fits.outMean[r]!) ? phi : fits.outMean[r]!;
        const vOut = varianceOf(fits.outVar[r]!, fits.outCount[r]!, globalOut);
        if (mode === "offline") {
          out[r] = (phi - muOut) / Math.sqrt(vOut);
        } else {
          const muIn = Number.isNaN(fits.inMean[r]!) ? phi : fits.inMean[r]!;
          const vIn = varianceOf(fits.inVar[r]!, fits.inCount[r]!, globalIn);
          out[r] = logNormalDensity(phi, muIn, vIn) - logNormalDensity(phi, muOut, vOut);
        }
      }
      const { members, nonMembers } = split(out, target.members.rows);
      return mode === "offline"
        ? { members, nonMembers, threshold: normalQuantile(1 - t / 100), thresholdRule: `top ${t}% of the OUT models' Gaussian` }
        : { members, nonMembers, threshold: 0, thresholdRule: "IN more likely than OUT (log-likelihood ratio >= 0)" };
    },
  };
}

/**
 * RMIA (offline). Pr(x) from the reference models that did not train on x, scaled by a; the score of
 * x is the fraction of population records z whose likelihood ratio x beats (gamma = 1). Member when
 * x beats at least 1 - t% of the population.
 */
export function rmiaAttack(t = DEFAULT_TOP_PERCENTILE, a = RMIA_OFFLINE_A): AttackStrategy {
  const name = "rmia";
  return {
    name,
    title: "RMIA (offline)",
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { refs, labels } = requireReferences(name, target, context);
      const population = refs.population;
      if (!population || population.target.rows === 0) throw new Error(`attack ${name}: needs population records (context.references.population)`);
      if (population.references.length !== refs.onTarget.length) throw new Error(`attack ${name}: the population must be answered by each of the ${refs.onTarget.length} reference models`);
      const scale = (meanOut: number) => ((1 + a) * meanOut + (1 - a)) / 2;
      // Ratio of each population record z: target's confidence over its mean reference confidence.
      const zCount = population.target.rows;
      const zRatios = new Float64Array(zCount);
      for (let z = 0; z < zCount; z++) {
        let sum = 0;
        for (const p of population.references) sum += trueClassProbability(p, population.labels, z);
        zRatios[z] = trueClassProbability(population.target, population.labels, z) / Math.max(sum / population.references.length, 1e-30);
      }
      zRatios.sort();
      const scores = new Float64Array(labels.length);
      for (let r = 0; r < labels.length; r++) {
        const isMemberSide = r < target.members.rows;
        const p = isMemberSide ? target.members : target.nonMembers;
        const row = isMemberSide ? r : r - target.members.rows;
        let sum = 0;
        let n = 0;
        refs.onTarget.forEach((ref, m) => {
          if (!refs.included[m]![r]) (sum += trueClassProbability(ref, labels, r)), n++;
        });
        const prX = n > 0 ? scale(sum / n) : 1;
        const ratio = trueClassProbability(p, isMemberSide ? target.membersLabels! : target.nonMembersLabels!, row) / Math.max(prX, 1e-30);
        // Fraction of z with ratio_x / ratio_z >= 1, i.e. ratio_z <= ratio_x (binary search in the sorted ratios).
        let lo = 0;
        let hi = zCount;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (zRatios[mid]! <= ratio) lo = mid + 1;
          else hi = mid;
        }
        scores[r] = lo / zCount;
      }
      const { members, nonMembers } = split(scores, target.members.rows);
      return { members, nonMembers, threshold: 1 - t / 100, thresholdRule: `beats ${100 - t}% of ${zCount} population records (gamma = 1)` };
    },
  };
}
