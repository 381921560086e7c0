// One cell to one number: features must be finite decimal numbers, labels class indices or class
// names. Every error names the file, where (line or row) and the column.
import { DatasetFormatError } from "../datasets/errors.js";

/** A decimal number as CSV writers print it (no hex, no "Infinity", no thousands separators). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const OTHER_BASE = /^[+-]?0[xXbBoO]/;

export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text.trim());
}

export function where(place: string, column: string): string {
  return `${place}, column '${column}'`;
}

/** A feature value: a finite number, from a number, a bigint or decimal text. */
export function featureNumber(value: unknown, file: string, place: string, column: string): number {
  const at = where(place, column);
  if (value === null || value === undefined) throw new DatasetFormatError(file, at, "missing value; expected a number");
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new DatasetFormatError(file, at, `${value} is not a finite number`);
    return value;
  }
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new DatasetFormatError(file, at, `${value} is beyond 2^53`);
    return Number(value);
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (text === "") throw new DatasetFormatError(file, at, "missing value; expected a number");
    if (NON_FINITE.test(text)) throw new DatasetFormatError(file, at, `${JSON.stringify(value)} is not a finite number`);
    if (!DECIMAL.test(text)) {
      const base = OTHER_BASE.test(text) ? " (hexadecimal, octal and binary are not accepted)" : "";
      throw new DatasetFormatError(file, at, `expected a decimal number, found ${JSON.stringify(value)}${base}`);
    }
    const number = Number(text);
    if (!Number.isFinite(number)) throw new DatasetFormatError(file, at, `${JSON.stringify(value)} overflows to ${number}; expected a finite number`);
    return number;
  }
  throw new DatasetFormatError(file, at, `expected a number, found ${describe(value)}`);
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value) ?? String(value);
}

export interface LabelOptions {
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
}

export interface ReadLabels {
  readonly labels: Int32Array;
  readonly classNames?: readonly string[];
}

/**
 * A label column: all class indices (integers >= 0, integral floats such as numpy's "1.0" read with
 * a warning) or all class names (mapped in sorted order, or by `classNames`). A mix is an error.
 */
export function readLabelColumn(
  values: ArrayLike<unknown>,
  file: string,
  placeOf: (row: number) => string,
  column: string,
  options: LabelOptions,
  warnings: string[],
): ReadLabels {
  const n = values.length;
  const numbers = new Float64Array(n);
  const names: (string | undefined)[] = new Array(n);
  let firstKind: "number" | "name" | undefined;
  let floatText: string | undefined;
  for (let r = 0; r < n; r++) {
    const value = values[r];
    const at = where(placeOf(r), column);
    let kind: "number" | "name";
    if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) {
      throw new DatasetFormatError(file, at, "missing label");
    } else if (typeof value === "number" || typeof value === "bigint") {
      kind = "number";
      numbers[r] = Number(value);
    } else if (typeof value === "string") {
      const text = value.trim();
      if (OTHER_BASE.test(text)) throw new DatasetFormatError(file, at, `label ${JSON.stringify(value)}: hexadecimal, octal and binary are not accepted; expected a decimal class index or a class name`);
      if (NON_FINITE.test(text)) throw new DatasetFormatError(file, at, `label ${JSON.stringify(value)} is not a finite number`);
      if (DECIMAL.test(text)) {
        kind = "number";
        numbers[r] = Number(text);
        if (!INTEGER.test(text)) floatText ??= text;
      } else {
        kind = "name";
        names[r] = text;
      }
    } else {
      throw new DatasetFormatError(file, at, `expected a class index or a class name, found ${describe(value)}`);
    }
    if (firstKind === undefined) firstKind = kind;
    else if (kind !== firstKind) {
      throw new DatasetFormatError(file, at, `label ${JSON.stringify(value)} is a ${kind === "name" ? "name" : "number"} but ${placeOf(0)} holds a ${firstKind === "name" ? "name" : "number"}; a label column holds class indices or class names, not both`);
    }
  }
  if (firstKind === "name") return mapNames(names as string[], file, placeOf, column, options, warnings);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const v = numbers[r]!;
    if (!Number.isInteger(v) || v < 0 || v > 2147483647) {
      throw new DatasetFormatError(file, where(placeOf(r), column), `label ${v} is not a class index (an integer >= 0)`);
    }
    labels[r] = v;
  }
  if (floatText !== undefined) warnings.push(`${file}: labels in column '${column}' are written as floats (e.g. '${floatText}'); read as class indices`);
  checkLabelRange(labels, file, placeOf, column, options.numClasses);
  return { labels };
}

function mapNames(names: readonly string[], file: string, placeOf: (row: number) => string, column: string, options: LabelOptions, warnings: string[]): ReadLabels {
  const classNames = options.classNames ?? [...new Set(names)].sort();
  const index = new Map(classNames.map((name, i) => [name, i] as const));
  const labels = Int32Array.from(names, (name, r) => {
    const i = index.get(name);
    if (i === undefined) throw new DatasetFormatError(file, where(placeOf(r), column), `unknown class name ${JSON.stringify(name)}; expected one of ${classNames.join(", ")}`);
    return i;
  });
  if (options.classNames === undefined) warnings.push(`${file}: class names in column '${column}' mapped in sorted order: ${classNames.map((name, i) => `${name}=${i}`).join(", ")}`);
  checkLabelRange(labels, file, placeOf, column, options.numClasses);
  return { labels, classNames };
}

export function checkLabelRange(labels: Int32Array, file: string, placeOf: (row: number) => string, column: string, numClasses: number | undefined): void {
  if (numClasses === undefined) return;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r]! < 0 || labels[r]! >= numClasses) {
      throw new DatasetFormatError(file, where(placeOf(r), column), `label ${labels[r]} is out of range; expected a class index from 0 to ${numClasses - 1}`);
    }
  }
}
