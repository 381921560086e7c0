// Records against a model's input: what the data holds must fit what the model takes. Element
// counts decide (a [28, 28] image fits a [1, 28, 28] input); the error names both shapes.
import { recordSize } from "../models/validate.js";

/** An error unless records of `recordShape` fit a model input of `inputShape` (no batch axis). */
export function checkRecordShape(recordShape: readonly number[], inputShape: readonly number[], where: string): void {
  if (recordSize(recordShape) !== recordSize(inputShape)) {
    throw new Error(
      `${where}: the records have shape ${JSON.stringify(recordShape)} (${recordSize(recordShape)} values), ` +
        `the model's input is ${JSON.stringify(inputShape)} per record (${recordSize(inputShape)} values); they must hold as many values`,
    );
  }
}

/** Checks a predict() call's features against the model's input; returns values per record. */
export function checkFeatures(features: Float32Array, rows: number, inputShape: readonly number[], where: string): number {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Error(`${where}: rows: expected a non-negative integer, got ${String(rows)}`);
  const size = recordSize(inputShape);
  if (features.length !== rows * size) {
    const per = rows > 0 && features.length % rows === 0 ? `records of ${features.length / rows} values` : `${features.length} values for ${rows} records`;
    throw new Error(`${where}: got ${per}; the model's input is ${JSON.stringify(inputShape)} per record (${size} values)`);
  }
  return size;
}
