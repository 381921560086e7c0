// Text tables: CSV (any header, or none as np.savetxt writes) and JSON lines, as CellTables.
import { DatasetFormatError } from "../datasets/errors.js";
import { parseCsv } from "./csv.js";
import type { CellTable } from "./table.js";
import type { ReadRecordsOptions } from "./types.js";
import { describe, isDecimalText } from "./values.js";

/** V8's longest string (2^29 - 24 UTF-16 units); UTF-8 never decodes to more units than bytes. */
export const MAX_TEXT_BYTES = 2 ** 29 - 24;

export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if (bytes.length > MAX_TEXT_BYTES) {
    throw new DatasetFormatError(file, "", `${bytes.length} bytes of text, more than one JavaScript string holds (${MAX_TEXT_BYTES} bytes, about 512 MB): split the file, or write .npy/.npz/.parquet`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetFormatError(file, "", "not valid UTF-8 text");
  }
}

/**
 * Whether line 1 is a header. A row of non-numbers is one. An all-numeric row is data (np.savetxt
 * writes no header), except pandas' default column names 0,1,...,n-1 (df.to_csv(index=False)) or a
 * row in which the label column option names a cell; each choice is reported as a warning.
 */
function hasHeader(first: readonly string[], file: string, options: ReadRecordsOptions, warnings: string[]): boolean {
  if (options.header === "present") return true;
  if (options.header === "absent") return false;
  const cells = first.map((c) => c.trim());
  if (!cells.every((c) => isDecimalText(c))) return true;
  const pandasNames = cells.length > 1 && cells.every((c, i) => c === String(i));
  if (pandasNames) {
    warnings.push(`${file}: line 1 (${abbreviate(cells)}) read as column names (pandas' default names, as df.to_csv(index=False) writes them); pass header "absent" (--header absent) if it is data`);
    return true;
  }
  if (typeof options.labelColumn === "string" && cells.includes(options.labelColumn)) {
    warnings.push(`${file}: line 1 is all numbers but names the label column '${options.labelColumn}', so it is read as column names`);
    return true;
  }
  warnings.push(`${file}: line 1 is all numbers, so it is read as data (no header, as np.savetxt writes); columns are named by index 0 to ${cells.length - 1}`);
  return false;
}

function abbreviate(cells: readonly string[]): string {
  return cells.length > 4 ? `${cells.slice(0, 3).join(",")},...,${cells[cells.length - 1]}` : cells.join(",");
}

export function csvCells(bytes: Uint8Array, file: string, options: ReadRecordsOptions): CellTable {
  const separator = file.toLowerCase().endsWith(".tsv") ? "\t" : ",";
  const { cells, lines } = parseCsv(decodeUtf8(bytes, file), file, separator);
  if (cells.length === 0) throw new DatasetFormatError(file, "", "empty file; expected a header line and records, or records");
  const warnings: string[] = [];
  const header = hasHeader(cells[0]!, file, options, warnings);
  const width = cells[0]!.length;
  const names = header ? cells[0]!.map((c) => c.trim()) : cells[0]!.map((_, i) => String(i));
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DatasetFormatError(file, "line 1", `column '${name}' appears twice in the header`);
    seen.add(name);
  }
  const start = header ? 1 : 0;
  for (let r = start; r < cells.length; r++) {
    if (cells[r]!.length !== width) {
      throw new DatasetFormatError(file, `line ${lines[r]}`, `expected ${width} fields (as on line ${lines[0]}), found ${cells[r]!.length}`);
    }
  }
  return {
    file,
    names,
    rows: cells.length - start,
    cell: (row, column) => cells[row + start]![column],
    place: (row) => `line ${lines[row + start]}`,
    warnings,
  };
}

/** A table of objects, one per record (JSON lines, a JSON array, Parquet rows): keys are columns. */
export function objectCells(objects: readonly unknown[], places: readonly string[] | ((row: number) => string), file: string, names?: readonly string[]): CellTable {
  const place = typeof places === "function" ? places : (row: number) => places[row]!;
  if (objects.length === 0) throw new DatasetFormatError(file, "", "no records found (empty file?)");
  objects.forEach((o, r) => {
    if (typeof o !== "object" || o === null || Array.isArray(o)) throw new DatasetFormatError(file, place(r), `expected an object {"column": value, ...}, found ${describe(o)}`);
  });
  const columns = names ?? Object.keys(objects[0] as object);
  if (names === undefined) {
    // Every record must have the first record's fields: a missing field is a missing value.
    objects.forEach((o, r) => {
      const keys = Object.keys(o as object);
      for (const name of columns) if (!(name in (o as object))) throw new DatasetFormatError(file, `${place(r)}, column '${name}'`, "missing value: the field is absent (the first record has it)");
      if (keys.length !== columns.length) {
        const extra = keys.find((k) => !columns.includes(k));
        throw new DatasetFormatError(file, place(r), `unexpected field '${extra}' (the first record has only ${columns.join(", ")})`);
      }
    });
  }
  return {
    file,
    names: columns,
    rows: objects.length,
    cell: (row, column) => (objects[row] as Record<string, unknown>)[columns[column]!],
    place,
    warnings: [],
  };
}

/** JSON lines (one object per line; CRLF, LF or CR), or a JSON array of objects. */
export function jsonCells(bytes: Uint8Array, file: string): CellTable {
  const text = decodeUtf8(bytes, file).replace(/^\uFEFF/, "");
  if (text.trimStart().startsWith("[")) {
    let array: unknown;
    try {
      array = JSON.parse(text);
    } catch (error) {
      throw new DatasetFormatError(file, "", `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!Array.isArray(array)) throw new DatasetFormatError(file, "", "expected a JSON array of objects or one object per line");
    return objectCells(array, (r) => `record ${r}`, file);
  }
  const objects: unknown[] = [];
  const places: string[] = [];
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      objects.push(JSON.parse(line));
    } catch (error) {
      throw new DatasetFormatError(file, `line ${i + 1}`, `not valid JSON (${error instanceof Error ? error.message : String(error)}); expected one object per line`);
    }
    places.push(`line ${i + 1}`);
  });
  return objectCells(objects, places, file);
}
