// Plain TypeScript twins of assembly/posteriors.ts: the same definitions, written the obvious way,
// for tests to hold the kernels equal to (and for the benchmark's baseline). No input checks: the
// wrappers in ../posteriors.ts do those.
import type { Posteriors } from "../../types.js";

const LOG_FLOOR = 1e-30;

/** The k largest values of each row, descending, by insertion into a sorted list of k. */
export function referenceTopK(p: Posteriors, k: number): Float32Array {
  const { values, rows, classes } = p;
  const out = new Float32Array(rows * k);
  const top = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    top.fill(-1);
    const start = r * classes;
    for (let c = 0; c < classes; c++) {
      const x = values[start + c]!;
      if (x <= top[k - 1]!) continue;
      let j = k - 1;
      while (j > 0 && top[j - 1]! < x) {
        top[j] = top[j - 1]!;
        j--;
      }
      top[j] = x;
    }
    out.set(top, r * k);
  }
  return out;
}

export function referenceMaxPosterior(p: Posteriors): Float32Array {
  const { values, rows, classes } = p;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = values[r * classes]!;
    for (let c = 1; c < classes; c++) m = Math.max(m, values[r * classes + c]!);
    out[r] = m;
  }
  return out;
}

export function referenceEntropy(p: Posteriors): Float32Array {
  const { values, rows, classes } = p;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const x = values[r * classes + c]!;
      if (x > 0) h -= x * Math.log(x);
    }
    out[r] = h;
  }
  return out;
}

export function referenceModifiedEntropy(p: Posteriors, labels: Int32Array): Float32Array {
  const { values, rows, classes } = p;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < classes; c++) {
      const x = values[r * classes + c]!;
      if (c === labels[r]) m -= (1 - x) * Math.log(Math.max(x, LOG_FLOOR));
      else m -= x * Math.log(Math.max(1 - x, LOG_FLOOR));
    }
    out[r] = m;
  }
  return out;
}

export function referenceCrossEntropyLoss(p: Posteriors, labels: Int32Array): Float32Array {
  const out = new Float32Array(p.rows);
  for (let r = 0; r < p.rows; r++) out[r] = -Math.log(Math.max(p.values[r * p.classes + labels[r]!]!, LOG_FLOOR));
  return out;
}

export function referenceCorrectness(p: Posteriors, labels: Int32Array): Float32Array {
  const { values, rows, classes } = p;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    out[r] = best === labels[r] ? 1 : 0;
  }
  return out;
}

/** The sum of all values in the kernel's order: 16 f32 lanes over the blocks of 16, then the lanes and the rest in f64. */
export function referenceSumValues(p: Posteriors): number {
  const { values } = p;
  const lanes = new Float32Array(16);
  const full = values.length - (values.length % 16);
  for (let i = 0; i < full; i += 16) for (let l = 0; l < 16; l++) lanes[l] = Math.fround(lanes[l]! + values[i + l]!);
  let total = 0;
  for (let l = 0; l < 16; l++) total += lanes[l]!;
  for (let i = full; i < values.length; i++) total += values[i]!;
  return total;
}
