// The library's inputs as users hold them: typed Posteriors, or plain nested arrays of numbers
// (number[][]), and labels as Int32Array or number[]. Checked here, with errors naming the argument.
import type { Posteriors } from "../types.js";

/** Posteriors, or one row of class probabilities per record: [[0.9, 0.1], [0.2, 0.8], ...]. */
export type PosteriorsLike = Posteriors | ArrayLike<ArrayLike<number>>;
/** One class index per record. */
export type LabelsLike = Int32Array | ArrayLike<number>;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === "object" && value !== null ? `an object with keys ${Object.keys(value).join(", ") || "(none)"}` : JSON.stringify(value) ?? String(value);
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** Posteriors from either form; `name` is the argument ("members", "noise") for messages. */
export function toPosteriorMatrix(value: unknown, name: string): Posteriors {
  if (typeof value === "object" && value !== null && !isArrayLike(value) && "values" in value) {
    const { values, rows, classes } = value as { values: unknown; rows: unknown; classes: unknown };
    if (!isArrayLike(values) || typeof rows !== "number" || typeof classes !== "number") {
      throw new TypeError(`${name}: expected {values: Float32Array, rows: number, classes: number}, got values ${describe(values)}, rows ${describe(rows)}, classes ${describe(classes)}`);
    }
    return { values: values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>), rows, classes };
  }
  if (!isArrayLike(value)) {
    throw new TypeError(`${name}: expected posteriors as an array of rows (number[][]) or {values, rows, classes}, got ${describe(value)}`);
  }
  const rows = value.length;
  if (rows === 0) throw new RangeError(`${name}: no rows; expected at least one record's posteriors`);
  const first = value[0];
  if (!isArrayLike(first)) throw new TypeError(`${name}[0]: expected an array of class probabilities, got ${describe(first)}`);
  const classes = first.length;
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const row = value[r];
    if (!isArrayLike(row) || row.length !== classes) {
      throw new RangeError(`${name}[${r}]: expected an array of ${classes} numbers (like ${name}[0]), got ${describe(row)}`);
    }
    for (let c = 0; c < classes; c++) {
      const v = row[c];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${name}[${r}][${c}]: expected a finite number, got ${describe(v)}`);
      values[r * classes + c] = v;
    }
  }
  return { values, rows, classes };
}

/** Labels from either form: every entry an integer (range is checked against the posteriors later). */
export function toLabelVector(value: unknown, name: string): Int32Array {
  if (value instanceof Int32Array) return value;
  if (!isArrayLike(value)) throw new TypeError(`${name}: expected one class index per record (Int32Array or number[]), got ${describe(value)}`);
  const labels = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 2147483647) {
      throw new TypeError(`${name}[${i}]: expected an integer class index >= 0, got ${describe(v)}`);
    }
    labels[i] = v;
  }
  return labels;
}

/** One number per record (per-record losses): finite values. */
export function toNumberVector(value: unknown, name: string): Float64Array {
  if (!isArrayLike(value)) throw new TypeError(`${name}: expected one number per record (number[] or a typed array), got ${describe(value)}`);
  if (value.length === 0) throw new RangeError(`${name}: no values; expected one per record`);
  return Float64Array.from({ length: value.length }, (_, i) => {
    const v = value[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${name}[${i}]: expected a finite number, got ${describe(v)}`);
    return v;
  });
}
