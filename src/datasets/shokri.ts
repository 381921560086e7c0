// The Purchase-100 and Location files of Shokri et al.: one record a line, the class label (an
// integer) then binary features, comma separated. Parsed byte by byte: Purchase-100 is 197,324 x 600.
import { DatasetFormatError } from "./errors.js";
import type { Dataset } from "./types.js";

const COMMA = 44;
const NEWLINE = 10;
const CR = 13;

export function parseShokriCsv(bytes: Uint8Array, file: string, info: { name: string; provenance: string }): Dataset {
  // Pass 1: count records and fields of the first one, so the feature matrix is allocated once and
  // is never larger than the text can justify (each feature takes at least two bytes, "0,").
  let rows = 0;
  let width = -1;
  for (let i = 0, start = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === NEWLINE) {
      if (!isBlank(bytes, start, i)) {
        if (width === -1) {
          width = 0;
          for (let j = start; j < i; j++) if (bytes[j] === COMMA) width++;
        }
        rows++;
      }
      start = i + 1;
    }
  }
  if (rows === 0) throw new DatasetFormatError(file, "", "no records found (empty file?); expected a label then binary features, comma separated");
  if (width < 1) throw new DatasetFormatError(file, "line 1", "expected a label then at least one feature, comma separated");
  const features = new Float32Array(rows * width);
  const rawLabels = new Int32Array(rows);
  let r = 0;
  let lineNumber = 0;
  for (let i = 0, start = 0; i <= bytes.length; i++) {
    if (i !== bytes.length && bytes[i] !== NEWLINE) continue;
    lineNumber++;
    let end = i;
    if (end > start && bytes[end - 1] === CR) end--;
    if (!isBlank(bytes, start, end)) {
      let field = 0;
      let at = start;
      while (at <= end) {
        let stop = at;
        while (stop < end && bytes[stop] !== COMMA) stop++;
        if (field > width) {
          field = countFields(bytes, start, end);
          break;
        }
        if (field === 0) rawLabels[r] = parseLabel(bytes, at, stop, file, lineNumber);
        else features[r * width + field - 1] = parseBit(bytes, at, stop, file, lineNumber, field);
        field++;
        at = stop + 1;
      }
      if (field !== width + 1) {
        throw new DatasetFormatError(file, `line ${lineNumber}`, `expected ${width + 1} comma-separated fields (a label and ${width} features, as line 1), found ${countFields(bytes, start, end)}`);
      }
      r++;
    }
    start = i + 1;
  }
  const distinct = [...new Set(rawLabels)].sort((a, b) => a - b);
  const index = new Map(distinct.map((v, i) => [v, i]));
  return {
    name: info.name,
    features,
    recordShape: [width],
    labels: rawLabels.map((v) => index.get(v)!),
    numClasses: distinct.length,
    classNames: distinct.map(String),
    kind: "tabular",
    featureKind: "binary",
    provenance: `${info.provenance} ${rows} records, ${width} binary features, ${distinct.length} classes (original labels ${distinct[0]}..${distinct[distinct.length - 1]} mapped to 0..${distinct.length - 1}).`,
  };
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 32 && bytes[i] !== 9 && bytes[i] !== CR) return false;
  return true;
}

function countFields(bytes: Uint8Array, start: number, end: number): number {
  let n = 1;
  for (let i = start; i < end; i++) if (bytes[i] === COMMA) n++;
  return n;
}

function fieldText(bytes: Uint8Array, start: number, end: number): string {
  return JSON.stringify(new TextDecoder().decode(bytes.subarray(start, Math.min(end, start + 40))));
}

function parseLabel(bytes: Uint8Array, start: number, end: number, file: string, line: number): number {
  let value = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 32) continue;
    if (b < 48 || b > 57 || digits >= 9) {
      throw new DatasetFormatError(file, `line ${line}, column 1 (label)`, `expected a non-negative integer class label, found ${fieldText(bytes, start, end)}`);
    }
    value = value * 10 + (b - 48);
    digits++;
  }
  if (digits === 0) throw new DatasetFormatError(file, `line ${line}, column 1 (label)`, "expected a class label, found an empty field");
  return value;
}

function parseBit(bytes: Uint8Array, start: number, end: number, file: string, line: number, field: number): number {
  let s = start;
  let e = end;
  while (s < e && bytes[s] === 32) s++;
  while (e > s && bytes[e - 1] === 32) e--;
  if (e - s === 1 && (bytes[s] === 48 || bytes[s] === 49)) return bytes[s]! - 48;
  // Some copies write floats: accept 0.0 / 1.0 exactly.
  const text = new TextDecoder().decode(bytes.subarray(s, e));
  const value = Number(text);
  if (text !== "" && (value === 0 || value === 1)) return value;
  throw new DatasetFormatError(file, `line ${line}, column ${field + 1}`, `expected a binary feature 0 or 1, found ${fieldText(bytes, start, end)}`);
}
