// The user's records: CSV, TSV, JSON lines, Parquet, .npy and .npz to labelled records.
export type { ColumnRef, LabelsSource, ReadRecordsOptions, RecordTable } from "./types.js";
export { readRecords, readLabels, recordFormat, toLabeledData, RECORD_FILE_TYPES, type RecordFormat } from "./read.js";
export { parseCsv, type CsvRows } from "./csv.js";
export { parseNpz } from "./npz.js";
