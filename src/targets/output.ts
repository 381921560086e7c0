// A model's raw output rows to posteriors: probabilities pass through (checked), logits are
// softmaxed in float64. "auto" decides from the rows themselves: every row non-negative and
// summing to 1 within ROW_SUM_TOLERANCE means probabilities, anything else logits.
import { ROW_SUM_TOLERANCE } from "../kernels/posteriors.js";
import type { Posteriors } from "../types.js";
import type { OutputChoice, OutputKind } from "./types.js";
import * as portable from "../util/portable-math.js";

/** True when every row is a probability vector (entries in [0, 1], sum 1 within tolerance). */
export function looksLikeProbabilities(raw: ArrayLike<number>, rows: number, classes: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = raw[r * classes + c]!;
      if (!(v >= 0 && v <= 1)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) return false;
  }
  return true;
}

/**
 * Raw model output (rows x classes, row-major) as posteriors. `where` names the source in errors
 * ("model.onnx output 'logits'"). Non-finite values are an error, never a silent NaN posterior.
 */
export function toPosteriors(
  raw: ArrayLike<number>,
  rows: number,
  classes: number,
  choice: OutputChoice,
  where: string,
): { posteriors: Posteriors; kind: OutputKind } {
  if (!(Number.isInteger(classes) && classes >= 2)) throw new Error(`${where}: expected at least 2 output classes, got ${classes}`);
  if (raw.length !== rows * classes) throw new Error(`${where}: expected ${rows} x ${classes} = ${rows * classes} values, got ${raw.length}`);
  for (let i = 0; i < raw.length; i++) {
    if (!Number.isFinite(raw[i]!)) {
      throw new Error(`${where}: row ${Math.floor(i / classes)}, class ${i % classes} is ${raw[i]}; expected a finite number`);
    }
  }
  const kind: OutputKind = choice === "auto" ? (looksLikeProbabilities(raw, rows, classes) ? "probabilities" : "logits") : choice;
  const values = new Float32Array(rows * classes);
  if (kind === "probabilities") {
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const v = raw[r * classes + c]!;
        if (!(v >= 0 && v <= 1)) throw new Error(`${where}: row ${r}, class ${c} is ${v}; probabilities lie in [0, 1] (are these logits? say --output logits)`);
        sum += v;
        values[r * classes + c] = v;
      }
      if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
        throw new Error(`${where}: row ${r} sums to ${sum}, expected 1 within ${ROW_SUM_TOLERANCE} (are these logits? say --output logits)`);
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, raw[r * classes + c]!);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += portable.exp(raw[r * classes + c]! - max);
      for (let c = 0; c < classes; c++) values[r * classes + c] = portable.exp(raw[r * classes + c]! - max) / sum;
    }
  }
  return { posteriors: { values, rows, classes }, kind };
}
