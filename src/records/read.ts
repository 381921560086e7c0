// readRecords: the user's record file (CSV, TSV, JSON lines, Parquet, .npy, .npz) to a RecordTable,
// dispatching on the file name's extension. Pure functions of bytes: the CLI, the page and the
// library share them; runtime adapters only fetch the bytes.
import { classCountFromLabels, DatasetFormatError } from "../datasets/errors.js";
import { npyToFloat32, parseNpy, type NpyArray } from "../datasets/npy.js";
import type { LabeledData } from "../types.js";
import { parseNpz } from "./npz.js";
import { parquetCells } from "./parquet.js";
import { recordsFromCells, reshape, resolveColumn, type CellTable } from "./table.js";
import { csvCells, jsonCells } from "./text.js";
import type { LabelsSource, ReadRecordsOptions, RecordTable } from "./types.js";
import { checkLabelRange, readLabelColumn } from "./values.js";

export type RecordFormat = "csv" | "jsonl" | "parquet" | "npy" | "npz";

export const RECORD_FILE_TYPES = ".csv, .tsv, .txt, .jsonl, .ndjson, .json, .parquet, .npy, .npz";

export function recordFormat(fileName: string): RecordFormat {
  const lower = fileName.toLowerCase();
  if (/\.(csv|tsv|txt)$/.test(lower)) return "csv";
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return "jsonl";
  if (/\.(parquet|pq)$/.test(lower)) return "parquet";
  if (lower.endsWith(".npy")) return "npy";
  if (lower.endsWith(".npz")) return "npz";
  throw new DatasetFormatError(fileName, "", `unknown file type; expected one of ${RECORD_FILE_TYPES}`);
}

async function cellsOf(format: "csv" | "jsonl" | "parquet", bytes: Uint8Array, file: string, options: ReadRecordsOptions): Promise<CellTable> {
  if (format === "csv") return csvCells(bytes, file, options);
  if (format === "jsonl") return jsonCells(bytes, file);
  return parquetCells(bytes, file);
}

/** Reads a file of records; `fileName`'s extension picks the format. */
export async function readRecords(bytes: Uint8Array, fileName: string, options: ReadRecordsOptions = {}): Promise<RecordTable> {
  const format = recordFormat(fileName);
  if (options.labels !== undefined && options.labelColumn !== undefined && format !== "npy") {
    throw new DatasetFormatError(fileName, "", "both a label column and a labels file were given; use one");
  }
  let table: RecordTable;
  if (format === "npy") {
    table = arrayRecords(parseNpy(bytes, fileName), undefined, fileName, "", options);
  } else if (format === "npz") {
    const arrays = parseNpz(bytes, fileName);
    const xKey = options.xKey ?? "x";
    const yKey = options.yKey ?? "y";
    const x = arrays.get(xKey);
    const names = [...arrays.keys()].map((k) => `'${k}'`).join(", ") || "none";
    if (!x) throw new DatasetFormatError(fileName, "", `no array '${xKey}' (the features); the archive holds ${names}`);
    if (options.labels === undefined && options.yKey !== undefined && !arrays.has(yKey)) {
      throw new DatasetFormatError(fileName, "", `no array '${yKey}' (the labels); the archive holds ${names}`);
    }
    table = arrayRecords(x, options.labels === undefined ? arrays.get(yKey) : undefined, fileName, `:${xKey}`, options, yKey);
  } else {
    table = recordsFromCells(await cellsOf(format, bytes, fileName, options), options);
  }
  if (options.labels === undefined) return table;
  const warnings = [...table.warnings];
  const read = await readLabelsSource(options.labels, options, warnings);
  if (read.labels.length !== table.rows) {
    throw new DatasetFormatError(options.labels.fileName, "", `${read.labels.length} labels for the ${table.rows} records of ${fileName}; expected one label per record`);
  }
  return { ...table, labels: read.labels, ...(read.classNames ? { classNames: read.classNames } : {}), warnings };
}

/** Features from an array ([records, ...record shape]); labels from an integer array, if any. */
function arrayRecords(x: NpyArray, y: NpyArray | undefined, file: string, xName: string, options: ReadRecordsOptions, yKey = "y"): RecordTable {
  if (x.shape.length === 0) throw new DatasetFormatError(file, xName.slice(1), `expected an array of records (shape (records, ...)), found a scalar`);
  const rows = x.shape[0]!;
  if (rows === 0) throw new DatasetFormatError(file, xName.slice(1), "no records (the first axis is 0)");
  const features = npyToFloat32(x, file);
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      const width = features.length / rows;
      throw new DatasetFormatError(file, `${xName ? `array '${xName.slice(1)}', ` : ""}record ${Math.floor(i / width)}, value ${i % width}`, `${features[i]} is not a finite number`);
    }
  }
  const natural = x.shape.length === 1 ? [1] : x.shape.slice(1);
  const warnings: string[] = [];
  const base: RecordTable = { file, rows, features, recordShape: reshape(natural, options.recordShape, file), warnings };
  if (!y) return base;
  const labels = labelsFromArray(y, file, `array '${yKey}'`, options, warnings);
  if (labels.length !== rows) throw new DatasetFormatError(file, `array '${yKey}'`, `${labels.length} labels for ${rows} records in '${xName.slice(1)}'`);
  return { ...base, labels };
}

function labelsFromArray(y: NpyArray, file: string, name: string, options: ReadRecordsOptions, warnings: string[]): Int32Array {
  if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1))) {
    throw new DatasetFormatError(file, name, `expected one label per record (shape (n,) or (n, 1)), found shape (${y.shape.join(", ")})`);
  }
  const values = y.data instanceof BigInt64Array ? Array.from(y.data, (v) => Number(v)) : (y.data as ArrayLike<number>);
  const read = readLabelColumn(values, file, (r) => `${name}, element ${r}`, "label", { ...(options.numClasses !== undefined ? { numClasses: options.numClasses } : {}) }, []);
  if (y.dtype === "<f4" || y.dtype === "<f8") warnings.push(`${file}: ${name} is ${y.dtype === "<f4" ? "float32" : "float64"}; read as integer class indices`);
  return read.labels;
}

/** A labels file alone (one label per record): .npy/.npz arrays, or a table of one column. */
export async function readLabels(source: LabelsSource, options: Pick<ReadRecordsOptions, "labelColumn" | "yKey" | "numClasses" | "classNames"> = {}): Promise<{ labels: Int32Array; classNames?: readonly string[]; warnings: string[] }> {
  const warnings: string[] = [];
  return { ...(await readLabelsSource(source, options, warnings)), warnings };
}

/** A separate labels file: .npy/.npz arrays, or a table with one column (or the label column). */
async function readLabelsSource(source: LabelsSource, options: ReadRecordsOptions, warnings: string[]): Promise<{ labels: Int32Array; classNames?: readonly string[] }> {
  const { bytes, fileName } = source;
  const format = recordFormat(fileName);
  if (format === "npy") return { labels: labelsFromArray(parseNpy(bytes, fileName), fileName, "labels", options, warnings) };
  if (format === "npz") {
    const yKey = options.yKey ?? "y";
    const y = parseNpz(bytes, fileName).get(yKey);
    if (!y) throw new DatasetFormatError(fileName, "", `no array '${yKey}' (the labels)`);
    return { labels: labelsFromArray(y, fileName, `array '${yKey}'`, options, warnings) };
  }
  const table = await cellsOf(format, bytes, fileName, { ...options, labelColumn: undefined });
  warnings.push(...table.warnings);
  const named = options.labelColumn !== undefined && (typeof options.labelColumn === "number" || table.names.includes(options.labelColumn));
  if (!named && table.names.length !== 1) {
    throw new DatasetFormatError(fileName, "", `a labels file holds one column (or the label column); found ${table.names.length}: ${table.names.join(", ")}`);
  }
  const column = named ? resolveColumn(options.labelColumn!, table.names, fileName, "label column") : 0;
  const values = Array.from({ length: table.rows }, (_, r) => table.cell(r, column));
  return readLabelColumn(values, fileName, (r) => table.place(r), table.names[column]!, options, warnings);
}

/** The records as LabeledData; `numClasses` defaults to the class names' count or the largest label + 1. */
export function toLabeledData(table: RecordTable, numClasses?: number): LabeledData {
  if (!table.labels) throw new DatasetFormatError(table.file, "", "no labels: name the label column (labelColumn / --label-column) or give a labels file");
  const classes = numClasses ?? table.classNames?.length ?? Math.max(2, classCountFromLabels(table.labels, table.file, (r) => `record ${r}`));
  checkLabelRange(table.labels, table.file, (r) => `record ${r}`, "label", classes);
  return { features: table.features, recordShape: table.recordShape, labels: table.labels, numClasses: classes };
}
