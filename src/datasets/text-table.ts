// Line- and comma-separated text, read strictly: every problem names the file, the line (1-based)
// and the column, and says what was expected.
import { DatasetFormatError } from "./errors.js";

export function decodeText(bytes: Uint8Array, encoding: "utf-8" | "latin1" = "utf-8"): string {
  return new TextDecoder(encoding).decode(bytes);
}

export interface Line {
  readonly text: string;
  /** 1-based line number in the file. */
  readonly number: number;
}

/** The file's non-blank lines ("\n" or "\r\n"), with their line numbers. */
export function nonBlankLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() !== "") out.push({ text: line, number });
    start = end + 1;
    number++;
  }
  return out;
}

/** Splits one CSV line into exactly `expected` fields (no quoting: none of our formats uses it). */
export function splitFields(line: Line, file: string, expected: number, separator = ","): string[] {
  const fields = line.text.split(separator);
  if (fields.length !== expected) {
    throw new DatasetFormatError(file, `line ${line.number}`, `expected ${expected} comma-separated fields, found ${fields.length}`);
  }
  return fields;
}

export function parseNumberField(field: string, file: string, line: Line, column: string): number {
  const trimmed = field.trim();
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value)) {
    throw new DatasetFormatError(file, `line ${line.number}, column ${column}`, `expected a number, found ${JSON.stringify(field)}`);
  }
  return value;
}

/** Maps a categorical field to its index in `values`, or names the allowed values. */
export function categoryField(field: string, values: readonly string[], file: string, line: Line, column: string): number {
  const index = values.indexOf(field.trim());
  if (index === -1) {
    throw new DatasetFormatError(file, `line ${line.number}, column ${column}`, `unknown value ${JSON.stringify(field)}; expected one of ${values.join(", ")}`);
  }
  return index;
}

export function requireRows(rows: readonly unknown[], file: string, what: string): void {
  if (rows.length === 0) throw new DatasetFormatError(file, "", `no ${what} found (empty file?)`);
}
