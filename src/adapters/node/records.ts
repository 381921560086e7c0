// Reads the user's record files from disk; the parsing is the portable src/records/.
import { readFileNamed } from "./fs.js";
import { readRecords } from "../../records/read.js";
import type { ReadRecordsOptions, RecordTable } from "../../records/types.js";

export interface ReadRecordsFileOptions extends Omit<ReadRecordsOptions, "labels"> {
  /** A separate labels file (for a .npy of features, or a table without a label column). */
  readonly labelsPath?: string;
}

export async function readRecordsFile(path: string, options: ReadRecordsFileOptions = {}): Promise<RecordTable> {
  const { labelsPath, ...rest } = options;
  const labels = labelsPath === undefined ? undefined : { bytes: await readFileNamed(labelsPath), fileName: labelsPath };
  return readRecords(await readFileNamed(path), path, { ...rest, ...(labels ? { labels } : {}) });
}
