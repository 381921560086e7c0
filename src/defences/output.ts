// Output perturbation (confidence masking): the model trains as usual and releases less. Every
// transform keeps each row's predicted label (argmax, lowest index on ties), so accuracy is
// unchanged; label-only attacks are therefore untouched by it, which the audit shows.
import type { Posteriors } from "../types.js";
import type { Defence } from "./types.js";

function argmaxOf(values: Float32Array, offset: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}

/** Only the k largest posteriors of each row are released (ties: lower class first), renormalised
 *  to sum to 1 as a probability vector must; the rest are 0. */
export function topKOnly(p: Posteriors, k: number): Posteriors {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`output-top-k: expected k to be a positive integer, got ${k}`);
  const values = new Float32Array(p.values.length);
  const order = new Int32Array(p.classes);
  for (let r = 0; r < p.rows; r++) {
    const o = r * p.classes;
    for (let c = 0; c < p.classes; c++) order[c] = c;
    order.sort((a, b) => p.values[o + b]! - p.values[o + a]! || a - b);
    const kept = order.subarray(0, Math.min(k, p.classes));
    let sum = 0;
    for (const c of kept) sum += p.values[o + c]!;
    for (const c of kept) values[o + c] = sum > 0 ? p.values[o + c]! / sum : 1 / kept.length;
  }
  return { values, rows: p.rows, classes: p.classes };
}

/**
 * Posteriors rounded to `decimals` places that still sum to 1 (largest-remainder rounding: every
 * value rounded down, the units left go to the largest remainders, lower class first). Rounding
 * down is monotone, so it can only tie the top class with another; then one unit moves from that
 * class to the top class, keeping the label.
 */
export function roundedTo(p: Posteriors, decimals: number): Posteriors {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 6) throw new RangeError(`output-rounding: expected 0 to 6 decimals, got ${decimals}`);
  let scale = 1;
  for (let d = 0; d < decimals; d++) scale *= 10; // exact up to 10^22, unlike ** in some engines
  const values = new Float32Array(p.values.length);
  const units = new Float64Array(p.classes);
  const order = new Int32Array(p.classes);
  for (let r = 0; r < p.rows; r++) {
    const o = r * p.classes;
    const top = argmaxOf(p.values, o, p.classes);
    let sum = 0;
    for (let c = 0; c < p.classes; c++) sum += p.values[o + c]!;
    let left = scale;
    for (let c = 0; c < p.classes; c++) {
      units[c] = Math.floor((p.values[o + c]! / sum) * scale);
      left -= units[c]!;
      order[c] = c;
    }
    const remainder = (c: number) => (p.values[o + c]! / sum) * scale - units[c]!;
    order.sort((a, b) => remainder(b) - remainder(a) || a - b);
    for (let i = 0; i < left; i++) units[order[i % p.classes]!]!++;
    let best = 0;
    for (let c = 1; c < p.classes; c++) if (units[c]! > units[best]!) best = c;
    if (best !== top) {
      units[best]!--;
      units[top]!++;
    }
    for (let c = 0; c < p.classes; c++) values[o + c] = units[c]! / scale;
  }
  return { values, rows: p.rows, classes: p.classes };
}

/** Only the predicted label: a one-hot row. */
export function labelOnly(p: Posteriors): Posteriors {
  const values = new Float32Array(p.values.length);
  for (let r = 0; r < p.rows; r++) values[r * p.classes + argmaxOf(p.values, r * p.classes, p.classes)] = 1;
  return { values, rows: p.rows, classes: p.classes };
}

export const outputTopKDefence: Defence = {
  name: "output-top-k",
  summary: "release only the top-k posteriors (--output-top-k K)",
  label: (s) => `output-top-k ${s.outputTopK}`,
  answer: (p, s) => topKOnly(p, s.outputTopK),
};

export const outputRoundingDefence: Defence = {
  name: "output-rounding",
  summary: "round the posteriors to d decimals (--output-decimals D)",
  label: (s) => `output-rounding ${s.outputDecimals}`,
  answer: (p, s) => roundedTo(p, s.outputDecimals),
};

export const labelOnlyDefence: Defence = {
  name: "label-only",
  summary: "release only the predicted label (one-hot)",
  label: () => "label-only",
  answer: (p) => labelOnly(p),
};
