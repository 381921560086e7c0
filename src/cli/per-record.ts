// --per-record FILE: every target record's score and rank under each attack, as CSV (or Parquet
// when FILE ends in .parquet), written to a temporary name then renamed; the report gains the
// records the strongest attack exposes most.
import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { mostExposed, perRecordCsv, perRecordParquet, perRecordTable, type PerRecordRun } from "../metrics/per-record.js";
import type { AuditReport } from "../report/types.js";

export async function writePerRecord(report: AuditReport, runs: readonly PerRecordRun[], file: string): Promise<AuditReport> {
  const path = resolve(file);
  const table = perRecordTable(runs);
  const bytes = path.toLowerCase().endsWith(".parquet") ? new Uint8Array(await perRecordParquet(table)) : perRecordCsv(table);
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(`--per-record ${file}: cannot write (${(error as Error).message})`);
  }
  return { ...report, mostExposed: mostExposed(runs, table) };
}
