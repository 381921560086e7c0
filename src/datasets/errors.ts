// Errors for bad input files. Each names the file, where in it (line, column or byte offset) and
// what was expected, so a user can find the problem without a debugger.

export class DatasetFormatError extends Error {
  override readonly name = "DatasetFormatError";
  constructor(
    readonly file: string,
    /** "line 12", "line 12, column 'region'", "byte 16", ... or "" when the whole file is at fault. */
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where ? `${where}: ` : ""}${problem}`);
  }
}

export function formatError(file: string, where: string, problem: string): DatasetFormatError {
  return new DatasetFormatError(file, where, problem);
}

/**
 * Most classes a dataset may have. A class count comes from the largest label, and it sizes
 * one-hot targets and output layers, so one crafted label (2147483647) must not become an allocation.
 */
export const MAX_CLASSES = 100_000;

/** The largest label + 1, refusing a negative label or a count past MAX_CLASSES with the record named. */
export function classCountFromLabels(labels: ArrayLike<number>, file: string, where: (index: number) => string = (i) => `element ${i}`): number {
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0) throw new DatasetFormatError(file, where(i), `label ${label} is negative; expected class indices 0..`);
    if (label >= MAX_CLASSES) throw new DatasetFormatError(file, where(i), `label ${label} would mean ${label + 1} classes, more than the limit of ${MAX_CLASSES}`);
    if (label + 1 > count) count = label + 1;
  }
  return count;
}
