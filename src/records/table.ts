// A table of cells (from CSV, JSON lines or Parquet) to records: resolve the label and feature
// columns, turn cells into finite numbers (array cells are flattened, their shape kept), read labels.
import { DatasetFormatError } from "../datasets/errors.js";
import type { ColumnRef, ReadRecordsOptions, RecordTable } from "./types.js";
import { describe, featureNumber, readLabelColumn } from "./values.js";

export interface CellTable {
  readonly file: string;
  readonly names: readonly string[];
  readonly rows: number;
  cell(row: number, column: number): unknown;
  /** Where a row is, for messages: "line 5" (text files) or "row 4" (Parquet). */
  place(row: number): string;
  readonly warnings: string[];
}

const MAX_LISTED = 20;

function listColumns(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `'${n}'`).join(", ");
  return names.length > MAX_LISTED ? `${shown}, ... (${names.length} in all)` : shown;
}

export function resolveColumn(ref: ColumnRef, names: readonly string[], file: string, what: string): number {
  if (typeof ref === "number") {
    if (!Number.isInteger(ref) || ref < 0 || ref >= names.length) {
      throw new DatasetFormatError(file, "", `${what} ${ref} does not exist; the file has ${names.length} columns (indices 0 to ${names.length - 1}): ${listColumns(names)}`);
    }
    return ref;
  }
  const index = names.indexOf(ref);
  if (index === -1) throw new DatasetFormatError(file, "", `${what} '${ref}' does not exist; the columns are ${listColumns(names)}`);
  return index;
}

/** The label column: the one named by the options, else a column called "label", else none. */
export function labelColumnOf(names: readonly string[], file: string, options: ReadRecordsOptions): number | undefined {
  if (options.labelColumn !== undefined) return resolveColumn(options.labelColumn, names, file, "label column");
  if (options.labels !== undefined) return undefined;
  const exact = names.indexOf("label");
  if (exact !== -1) return exact;
  const loose = names.findIndex((n) => n.trim().toLowerCase() === "label");
  return loose === -1 ? undefined : loose;
}

/** A cell's nested shape ([] for a scalar); arrays must be rectangular. */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    shape.push(a.length);
    v = a[0];
  }
  return shape;
}

function flatten(value: unknown, shape: readonly number[], depth: number, out: number[], file: string, at: string, column: string): void {
  if (depth === shape.length) {
    out.push(featureNumber(value, file, at, column));
    return;
  }
  if (!(Array.isArray(value) || ArrayBuffer.isView(value)) || (value as ArrayLike<unknown>).length !== shape[depth]) {
    throw new DatasetFormatError(file, `${at}, column '${column}'`, `ragged array: expected shape (${shape.join(", ")}) as in the first row, found ${describe(value)}${Array.isArray(value) ? ` of length ${value.length} at depth ${depth}` : ""}`);
  }
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) flatten(a[i], shape, depth + 1, out, file, at, column);
}

export function recordsFromCells(table: CellTable, options: ReadRecordsOptions): RecordTable {
  const { file, names, rows } = table;
  if (rows === 0) throw new DatasetFormatError(file, "", "no records found (only a header, or an empty file)");
  const labelColumn = labelColumnOf(names, file, options);
  const featureRefs = options.featureColumns ?? (options.featuresKey !== undefined ? [options.featuresKey] : undefined);
  const featureColumns = featureRefs
    ? featureRefs.map((ref) => resolveColumn(ref, names, file, "feature column"))
    : names.map((_, i) => i).filter((i) => i !== labelColumn);
  if (labelColumn !== undefined && featureColumns.includes(labelColumn)) {
    throw new DatasetFormatError(file, "", `column '${names[labelColumn]}' is both the label column and a feature column`);
  }
  if (featureColumns.length === 0 && featureRefs === undefined) throw new DatasetFormatError(file, "", `no feature columns: the only column is the label column '${names[labelColumn!]}'`);
  // Each feature column's shape comes from the first row: scalars, or arrays (a features list).
  const shapes = featureColumns.map((c) => shapeOf(table.cell(0, c)));
  const width = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  if (!Number.isSafeInteger(rows * width)) throw new DatasetFormatError(file, "", `${rows} records of ${width} features is too many to hold`);
  const features = new Float32Array(rows * width);
  const row: number[] = [];
  for (let r = 0; r < rows; r++) {
    row.length = 0;
    const at = table.place(r);
    featureColumns.forEach((c, k) => {
      const shape = shapes[k]!;
      if (shape.length === 0) row.push(featureNumber(table.cell(r, c), file, at, names[c]!));
      else flatten(table.cell(r, c), shape, 0, row, file, at, names[c]!);
    });
    if (row.length !== width) throw new DatasetFormatError(file, at, `expected ${width} feature values as in the first row, found ${row.length}`);
    features.set(row, r * width);
  }
  const warnings = table.warnings;
  const labelValues = labelColumn === undefined ? undefined : Array.from({ length: rows }, (_, r) => table.cell(r, labelColumn));
  const read = labelValues === undefined ? undefined : readLabelColumn(labelValues, file, (r) => table.place(r), names[labelColumn!]!, options, warnings);
  const naturalShape = featureColumns.length === 1 && shapes[0]!.length > 0 ? shapes[0]! : [width];
  return {
    file,
    rows,
    features,
    recordShape: reshape(naturalShape, options.recordShape, file),
    featureNames: featureColumns.map((c) => names[c]!),
    ...(read ? { labels: read.labels } : {}),
    ...(read?.classNames ? { classNames: read.classNames } : {}),
    warnings,
  };
}

/** The record shape the options ask for, checked against the values each record holds. */
export function reshape(natural: readonly number[], wanted: readonly number[] | undefined, file: string): readonly number[] {
  if (wanted === undefined) return natural;
  const have = natural.reduce((a, b) => a * b, 1);
  const want = wanted.reduce((a, b) => a * b, 1);
  if (!wanted.every((d) => Number.isInteger(d) && d > 0) || want !== have) {
    throw new DatasetFormatError(file, "", `record shape (${wanted.join(", ")}) holds ${want} values, but each record has ${have} (shape (${natural.join(", ")}))`);
  }
  return [...wanted];
}
