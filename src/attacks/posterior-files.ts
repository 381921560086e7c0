// Posteriors from models trained anywhere, as files: CSV (header p0..p{C-1}, optional `label`),
// JSON ({"posteriors": number[][], "labels"?: number[]}) or .npy (2-D float32/float64). Pure
// functions of bytes, so the browser page and the CLI share them. Errors name file, line and field.
import { parseNpy } from "../datasets/npy.js";
import { ROW_SUM_TOLERANCE } from "../kernels/index.js";
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

function decodeUtf8(bytes: Uint8Array, fileName: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${fileName}: not valid UTF-8 text`);
  }
}

export function parsePosteriorCsv(text: string, fileName: string): PosteriorFile {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  if (lines.length === 0) throw new Error(`${fileName}: empty file; expected a header line p0,p1,...`);
  const header = lines[0]!.replace(/^\uFEFF/, "").split(",").map((h) => h.trim());
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
  const rows = lines.length - 1;
  if (rows === 0) throw new Error(`${fileName}: no records after the header`);
  const values = new Float32Array(rows * classes);
  const labels = labelColumn === -1 ? undefined : new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const lineNumber = r + 2;
    const fields = lines[r + 1]!.split(",");
    if (fields.length !== header.length) {
      throw new Error(`${fileName}: line ${lineNumber}: expected ${header.length} fields, got ${fields.length}`);
    }
    for (let c = 0; c < classes; c++) {
      const raw = fields[classColumn[c]!]!.trim();
      const value = Number(raw);
      if (raw === "" || !Number.isFinite(value)) throw new Error(`${fileName}: line ${lineNumber}, field p${c}: expected a number, got '${raw}'`);
      values[r * classes + c] = value;
    }
    if (labels) {
      const raw = fields[labelColumn]!.trim();
      labels[r] = parseLabel(raw, classes, () => `${fileName}: line ${lineNumber}, field label`);
    }
  }
  const posteriors = checkPosteriors({ values, rows, classes }, fileName, (row) => `line ${row + 2}`);
  return labels ? { posteriors, labels } : { posteriors };
}

function parseLabel(raw: string | number, classes: number, where: () => string): number {
  const value = typeof raw === "number" ? raw : raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value >= classes) {
    throw new Error(`${where()}: expected a class index from 0 to ${classes - 1}, got '${String(raw)}'`);
  }
  return value;
}

export function parsePosteriorJson(text: string, fileName: string): PosteriorFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error(`${fileName}: expected an object {"posteriors": [[...], ...], "labels"?: [...]}`);
  }
  const { posteriors: rowsIn, labels: labelsIn, ...rest } = document as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`${fileName}: unexpected field '${extra[0]}'; expected only "posteriors" and "labels"`);
  if (!Array.isArray(rowsIn) || rowsIn.length === 0) throw new Error(`${fileName}: field "posteriors" must be a non-empty array of rows`);
  const first = rowsIn[0];
  if (!Array.isArray(first)) throw new Error(`${fileName}: posteriors[0]: expected an array of class probabilities`);
  const classes = first.length;
  if (classes < 2) throw new Error(`${fileName}: posteriors[0]: expected at least two class probabilities, got ${classes}`);
  const rows = rowsIn.length;
  const values = new Float32Array(rows * classes);
  rowsIn.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== classes) {
      throw new Error(`${fileName}: posteriors[${r}]: expected an array of ${classes} numbers (like posteriors[0])`);
    }
    row.forEach((v, c) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${fileName}: posteriors[${r}][${c}]: expected a number, got ${JSON.stringify(v)}`);
      values[r * classes + c] = v;
    });
  });
  let labels: Int32Array | undefined;
  if (labelsIn !== undefined) {
    if (!Array.isArray(labelsIn) || labelsIn.length !== rows) {
      throw new Error(`${fileName}: field "labels" must be an array with one class index per row (${rows})`);
    }
    labels = Int32Array.from(labelsIn, (v, i) => parseLabel(v as number, classes, () => `${fileName}: labels[${i}]`));
  }
  const posteriors = checkPosteriors({ values, rows, classes }, fileName, (row) => `posteriors[${row}]`);
  return labels ? { posteriors, labels } : { posteriors };
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
