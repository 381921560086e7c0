// Inputs shared by the kernel tests: seeded random posteriors (smooth and peaked), tie-heavy ones,
// and closeness checks for the kernels whose logarithms are wasm's own rather than the host's.
import * as assert from "uvu/assert";
import { Pcg32 } from "../src/kernels/index.js";
import type { Posteriors } from "../src/types.js";

/** Random probability rows; `peak` > 0 sharpens them like a confident model's softmax. */
export function randomPosteriors(rng: Pcg32, rows: number, classes: number, peak = 0): Posteriors {
  const u = rng.fillFloat64(rows * classes);
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const x = peak > 0 ? Math.exp(peak * u[r * classes + c]!) : u[r * classes + c]!;
      u[r * classes + c] = x;
      sum += x;
    }
    for (let c = 0; c < classes; c++) values[r * classes + c] = u[r * classes + c]! / sum;
  }
  return { values, rows, classes };
}

/** Rows built from a few repeated values (1/8 steps) so that ties are everywhere, zeros included. */
export function tiedPosteriors(rng: Pcg32, rows: number, classes: number): Posteriors {
  const values = new Float32Array(rows * classes);
  const draws = rng.fillUint32(rows * classes);
  for (let r = 0; r < rows; r++) {
    let left = 8;
    for (let c = 0; c < classes && left > 0; c++) {
      const take = c === classes - 1 ? left : Math.min(left, draws[r * classes + c]! % 3);
      values[r * classes + c] = take / 8;
      left -= take;
    }
    if (left > 0) values[r * classes] += left / 8;
  }
  return { values, rows, classes };
}

export function randomLabels(rng: Pcg32, rows: number, classes: number): Int32Array {
  return Int32Array.from(rng.fillUint32(rows), (x) => x % classes);
}

/** Equal to within a few float32 rounding steps, relative to max(1, |expected|). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = 1e-6): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance * scale)) {
      assert.unreachable(`${what}[${i}]: kernel ${actual[i]} vs reference ${expected[i]}`);
    }
  }
}

/** max |actual - expected| relative to max |expected| (the plain max difference when expected is all zeros). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.is(actual.length, expected.length, "same length");
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
