// Parquet through hyparquet (pure JS; every runtime): rows as objects, columns from the schema.
// The runtime-free entry: hyparquet's default Node entry adds file helpers that import node:fs.
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet/src/index.js";
import { DatasetFormatError } from "../datasets/errors.js";
import type { CellTable } from "./table.js";
import { objectCells } from "./text.js";

/** Cells held at most: a bound on what a small file can make the reader allocate. */
const MAX_CELLS = 2 ** 28;

export async function parquetCells(bytes: Uint8Array, file: string): Promise<CellTable> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const magic = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || magic(0) !== "PAR1" || magic(bytes.length - 4) !== "PAR1") {
    throw new DatasetFormatError(file, "byte 0", "not a Parquet file: expected 'PAR1' at its start and end");
  }
  let names: string[];
  let objects: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    names = parquetSchema(metadata).children.map((c) => c.element.name);
    const rows = Number(metadata.num_rows);
    if (!Number.isSafeInteger(rows) || rows < 0 || rows * Math.max(1, names.length) > MAX_CELLS) {
      throw new DatasetFormatError(file, "footer", `declares ${metadata.num_rows} rows of ${names.length} columns, more than ${MAX_CELLS} cells`);
    }
    objects = await parquetReadObjects({ file: buffer });
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(file, "", `cannot read Parquet: ${error instanceof Error ? error.message : String(error)}`);
  }
  return objectCells(objects, (r) => `row ${r}`, file, names);
}
