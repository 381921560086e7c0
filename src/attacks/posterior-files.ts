// Posteriors from models trained anywhere, as files: CSV (header p0..p{C-1}, optional `label`),
// JSON ({"posteriors": number[][], "labels"?: number[]}) or .npy (2-D float32/float64); readOutputFile
// also takes logits, per-record losses and every record file kind of src/records/. Pure
// functions of bytes, so the browser page and the CLI share them. Errors name file, line and field.
import { parseNpy } from "../datasets/npy.js";
import { ROW_SUM_TOLERANCE } from "../kernels/index.js";
import { parseCsv } from "../records/csv.js";
import { readLabels, readRecords } from "../records/read.js";
import type { ColumnRef, LabelsSource } from "../records/types.js";
import { isDecimalText } from "../records/values.js";
import { decodeUtf8 } from "../records/text.js";
import { toPosteriors } from "../targets/output.js";
import type { OutputChoice, OutputKind } from "../targets/types.js";
import type { Posteriors } from "../types.js";

export interface PosteriorFile {
  readonly posteriors: Posteriors;
  readonly labels?: Int32Array;
}

export function parsePosteriorFile(bytes: Uint8Array, fileName: string): PosteriorFile {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".npy")) {
    const { data, shape, dtype } = parseNpy(bytes, fileName);
    if (dtype !== "<f4" && dtype !== "<f8") throw new Error(`${fileName}: expected float32 or float64 posteriors, got dtype '${dtype}'`);
    if (shape.length !== 2) throw new Error(`${fileName}: expected a 2-D array (records x classes), got shape (${shape.join(", ")})`);
    const [rows, classes] = shape as [number, number];
    const values = Float32Array.from(data as Float32Array | Float64Array);
    return { posteriors: checkPosteriors({ values, rows, classes }, fileName, (row) => `row ${row}`) };
  }
  const text = decodeUtf8(bytes, fileName);
  if (lower.endsWith(".json")) return parsePosteriorJson(text, fileName);
  if (lower.endsWith(".csv") || lower.endsWith(".txt")) return parsePosteriorCsv(text, fileName);
  throw new Error(`${fileName}: unknown file type; expected .csv, .json or .npy`);
}

/** A file's output matrix before any check: rows x columns, with labels when it carries them. */
interface RawOutputs {
  readonly values: Float64Array;
  readonly rows: number;
  readonly columns: number;
  readonly labels?: Int32Array;
  readonly place: (row: number) => string;
}

/** The p0..p{C-1}[,label] header of the strict posterior CSV, or undefined when line 1 is not one. */
function posteriorHeader(header: readonly string[], fileName: string): { classColumn: number[]; labelColumn: number } | undefined {
  if (!header.some((name) => /^p\d+$/.test(name))) return undefined;
  let labelColumn = -1;
  const classColumn: number[] = [];
  header.forEach((name, column) => {
    if (name === "label") {
      if (labelColumn !== -1) throw new Error(`${fileName}: line 1: column 'label' appears twice`);
      labelColumn = column;
      return;
    }
    const match = /^p(\d+)$/.exec(name);
    if (!match) throw new Error(`${fileName}: line 1, column ${column + 1}: unexpected header '${name}'; expected p0..p{C-1} and optionally label`);
    const c = Number(match[1]);
    if (classColumn[c] !== undefined) throw new Error(`${fileName}: line 1: column '${name}' appears twice`);
    classColumn[c] = column;
  });
  const classes = classColumn.length;
  if (classes < 2) throw new Error(`${fileName}: line 1: expected at least two posterior columns p0,p1,...; got ${classes}`);
  for (let c = 0; c < classes; c++) {
    if (classColumn[c] === undefined) throw new Error(`${fileName}: line 1: column p${c} is missing (found p0..p${classes - 1} with gaps)`);
  }
  return { classColumn, labelColumn };
}

function rawPosteriorCsv(text: string, fileName: string): RawOutputs | undefined {
  const { cells, lines } = parseCsv(text, fileName);
  if (cells.length === 0) throw new Error(`${fileName}: empty file; expected a header line p0,p1,...`);
  const header = cells[0]!.map((h) => h.trim());
  const layout = posteriorHeader(header, fileName);
  if (!layout) return undefined;
  const { classColumn, labelColumn } = layout;
  const classes = classColumn.length;
  const rows = cells.length - 1;
  if (rows === 0) throw new Error(`${fileName}: no records after the header`);
  const values = new Float64Array(rows * classes);
  const labels = labelColumn === -1 ? undefined : new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const lineNumber = lines[r + 1]!;
    const fields = cells[r + 1]!;
    if (fields.length !== header.length) {
      throw new Error(`${fileName}: line ${lineNumber}: expected ${header.length} fields, got ${fields.length}`);
    }
    for (let c = 0; c < classes; c++) {
      const raw = fields[classColumn[c]!]!.trim();
      if (!isDecimalText(raw) || !Number.isFinite(Number(raw))) throw new Error(`${fileName}: line ${lineNumber}, field p${c}: expected a decimal number, got '${raw}'`);
      values[r * classes + c] = Number(raw);
    }
    if (labels) labels[r] = parseLabel(fields[labelColumn]!.trim(), classes, () => `${fileName}: line ${lineNumber}, field label`);
  }
  return { values, rows, columns: classes, ...(labels ? { labels } : {}), place: (row) => `line ${lines[row + 1]}` };
}

export function parsePosteriorCsv(text: string, fileName: string): PosteriorFile {
  const raw = rawPosteriorCsv(text, fileName);
  if (!raw) throw new Error(`${fileName}: line 1: expected a header p0,p1,...,p{C-1} and optionally label`);
  return checkedPosteriorFile(raw, fileName);
}

function checkedPosteriorFile(raw: RawOutputs, fileName: string): PosteriorFile {
  const posteriors = checkPosteriors({ values: Float32Array.from(raw.values), rows: raw.rows, classes: raw.columns }, fileName, raw.place);
  return raw.labels ? { posteriors, labels: raw.labels } : { posteriors };
}

/** A class index: a decimal integer literal in CSV text, a JSON integer in JSON; anything else is named. */
function parseLabel(raw: unknown, classes: number, where: () => string, json = false): number {
  const integer = json ? typeof raw === "number" && Number.isInteger(raw) : typeof raw === "string" && /^\d+$/.test(raw);
  const value = Number(raw);
  if (integer && value >= 0 && value < classes) return value;
  const range = classes === Number.MAX_SAFE_INTEGER ? "an integer >= 0" : `a class index from 0 to ${classes - 1}`;
  const shown =
    typeof raw === "string" ? `'${raw}'${json ? " (a string)" : ""}`
    : raw !== null && typeof raw === "object" ? (Array.isArray(raw) ? "an array" : "an object")
    : String(raw);
  throw new Error(`${where()}: expected ${range}, got ${shown}`);
}

const JSON_VALUE_FIELDS = ["posteriors", "logits", "losses"] as const;

function rawPosteriorJson(document: unknown, fileName: string): RawOutputs {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error(`${fileName}: expected an object {"posteriors": [[...], ...], "labels"?: [...]}`);
  }
  const { labels: labelsIn, ...rest } = document as Record<string, unknown>;
  const present = JSON_VALUE_FIELDS.filter((k) => k in rest);
  const extra = Object.keys(rest).filter((k) => !(JSON_VALUE_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) throw new Error(`${fileName}: unexpected field '${extra[0]}'; expected only "posteriors" (or "logits", or "losses") and "labels"`);
  if (present.length !== 1) throw new Error(`${fileName}: expected exactly one of "posteriors", "logits" or "losses", found ${present.length === 0 ? "none" : present.join(" and ")}`);
  const field = present[0]!;
  const rowsIn = rest[field];
  if (!Array.isArray(rowsIn) || rowsIn.length === 0) throw new Error(`${fileName}: field "${field}" must be a non-empty array${field === "losses" ? " of numbers" : " of rows"}`);
  const rows = rowsIn.length;
  let columns: number;
  let values: Float64Array;
  if (field === "losses") {
    columns = 1;
    values = Float64Array.from(rowsIn, (v, r) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${fileName}: losses[${r}]: expected a finite number, got ${JSON.stringify(v)}`);
      return v;
    });
  } else {
    const first = rowsIn[0];
    if (!Array.isArray(first)) throw new Error(`${fileName}: ${field}[0]: expected an array of class ${field === "logits" ? "logits" : "probabilities"}`);
    columns = first.length;
    if (columns < 2) throw new Error(`${fileName}: ${field}[0]: expected at least two classes, got ${columns}`);
    values = new Float64Array(rows * columns);
    rowsIn.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== columns) throw new Error(`${fileName}: ${field}[${r}]: expected an array of ${columns} numbers (like ${field}[0])`);
      row.forEach((v, c) => {
        if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${fileName}: ${field}[${r}][${c}]: expected a number, got ${JSON.stringify(v)}`);
        values[r * columns + c] = v;
      });
    });
  }
  let labels: Int32Array | undefined;
  if (labelsIn !== undefined) {
    if (!Array.isArray(labelsIn) || labelsIn.length !== rows) {
      throw new Error(`${fileName}: field "labels" must be an array with one class index per row (${rows})`);
    }
    const classes = field === "losses" ? Number.MAX_SAFE_INTEGER : columns;
    labels = Int32Array.from(labelsIn, (v: unknown, i) => parseLabel(v, classes, () => `${fileName}: labels[${i}]`, true));
  }
  return { values, rows, columns, ...(labels ? { labels } : {}), place: (row) => `${field}[${row}]` };
}

function parseJsonDocument(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function parsePosteriorJson(text: string, fileName: string): PosteriorFile {
  const raw = rawPosteriorJson(parseJsonDocument(text, fileName), fileName);
  if (raw.columns < 2) throw new Error(`${fileName}: holds losses, expected "posteriors"`);
  return checkedPosteriorFile(raw, fileName);
}

/** What a model-output file held: probabilities, logits (softmaxed here) or per-record losses. */
export type OutputFileKind = OutputKind | "losses";

export interface OutputFileOptions {
  /** "auto" (default): one value per record means losses; rows summing to 1, probabilities; else logits. */
  readonly output?: OutputChoice | "losses";
  /** The label column of a table (CSV, JSON lines, Parquet). */
  readonly labelColumn?: ColumnRef;
  /** Labels in a separate file (one per record). */
  readonly labels?: LabelsSource;
  /** CSV: whether line 1 is a header (default "auto"). */
  readonly header?: "auto" | "present" | "absent";
}

export interface ModelOutputFile {
  readonly kind: OutputFileKind;
  readonly rows: number;
  /** Present unless kind is "losses". */
  readonly posteriors?: Posteriors;
  /** Present when kind is "losses". */
  readonly losses?: Float64Array;
  readonly labels?: Int32Array;
  readonly warnings: readonly string[];
}

/**
 * A model's outputs on known records, from any record file kind: the strict posterior CSV/JSON, or
 * a table (CSV, JSON lines, Parquet, .npy, .npz) whose value columns are the outputs, with a label
 * column or labels file. Logits are softmaxed in float64 (src/targets/output.ts).
 */
export async function readOutputFile(bytes: Uint8Array, fileName: string, options: OutputFileOptions = {}): Promise<ModelOutputFile> {
  const lower = fileName.toLowerCase();
  let raw: RawOutputs | undefined;
  const warnings: string[] = [];
  if (lower.endsWith(".csv") || lower.endsWith(".json")) {
    const text = decodeUtf8(bytes, fileName);
    if (lower.endsWith(".csv")) raw = rawPosteriorCsv(text, fileName);
    else if (text.trimStart().startsWith("{")) {
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        document = undefined; // JSON lines: read as a table below
      }
      // One object with "posteriors", "logits" or "losses" is the strict format; any other object, a record.
      const strict = typeof document === "object" && document !== null && JSON_VALUE_FIELDS.some((k) => k in document);
      if (strict) raw = rawPosteriorJson(document, fileName);
    }
  }
  let labels = raw?.labels;
  if (raw && options.labels) {
    if (labels) throw new Error(`${fileName}: carries labels, and a labels file was given too; use one`);
    const read = await readLabels(options.labels);
    warnings.push(...read.warnings);
    if (read.labels.length !== raw.rows) throw new Error(`${options.labels.fileName}: ${read.labels.length} labels for the ${raw.rows} records of ${fileName}; expected one label per record`);
    labels = read.labels;
  }
  if (!raw) {
    const table = await readRecords(bytes, fileName, {
      ...(options.labelColumn !== undefined ? { labelColumn: options.labelColumn } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.header ? { header: options.header } : {}),
    });
    warnings.push(...table.warnings);
    if (table.classNames) throw new Error(`${fileName}: labels are class names (${table.classNames.join(", ")}); a model's outputs need class indices 0..C-1 in the model's order`);
    const columns = table.features.length / table.rows;
    raw = { values: Float64Array.from(table.features), rows: table.rows, columns, place: (row) => `record ${row}` };
    labels = table.labels;
  }
  const output = options.output ?? "auto";
  if (output === "losses" || (output === "auto" && raw.columns === 1)) {
    if (raw.columns !== 1) throw new Error(`${fileName}: --output losses expects one loss per record, found ${raw.columns} values per record`);
    return { kind: "losses", rows: raw.rows, losses: raw.values, ...(labels ? { labels } : {}), warnings };
  }
  if (raw.columns < 2) throw new Error(`${fileName}: one value per record is a loss, not ${output}; say --output losses or auto`);
  const { posteriors, kind } = toPosteriors(raw.values, raw.rows, raw.columns, output, fileName);
  if (labels) {
    labels.forEach((y, r) => {
      if (y >= raw!.columns) throw new Error(`${fileName}: ${raw!.place(r)}: label ${y} is out of range; the outputs have ${raw!.columns} classes (0 to ${raw!.columns - 1})`);
    });
  }
  return { kind, rows: raw.rows, posteriors, ...(labels ? { labels } : {}), warnings };
}

/** Every value a probability and every row summing to 1 (within the kernels' ROW_SUM_TOLERANCE). */
export function checkPosteriors(p: Posteriors, source: string, rowName: (row: number) => string): Posteriors {
  const { values, rows, classes } = p;
  if (!Number.isInteger(rows) || !Number.isInteger(classes) || rows < 1 || classes < 2 || values.length !== rows * classes) {
    throw new Error(`${source}: expected a non-empty records x classes matrix with at least 2 classes, got ${rows} x ${classes} over ${values.length} values`);
  }
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`${source}: ${rowName(r)}, class ${c}: ${v} is not a probability (expected softmax outputs in [0, 1])`);
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new Error(`${source}: ${rowName(r)}: probabilities sum to ${sum.toPrecision(6)}, expected 1 (are these logits rather than softmax outputs?)`);
    }
  }
  return p;
}
