// The user's records as read from a file: features row-major, optional labels, and what the reader
// had to assume (warnings). Plain data: no runtime API, no tfjs.
import type { LabeledData } from "../types.js";

/** A column named in an option: its header name, or its 0-based index. */
export type ColumnRef = string | number;

export interface RecordTable {
  /** The file the records came from, for messages. */
  readonly file: string;
  readonly rows: number;
  /** rows x prod(recordShape) values, row-major. */
  readonly features: Float32Array;
  readonly recordShape: readonly number[];
  /** The feature columns' names in order (tables only; absent for .npy/.npz arrays). */
  readonly featureNames?: readonly string[];
  /** One class index per row, when the file (or a labels file) carried labels. */
  readonly labels?: Int32Array;
  /** When the labels were class names: the names, sorted; label i is classNames[i]. */
  readonly classNames?: readonly string[];
  /** What the reader assumed (a numeric first row read as data, float labels read as integers, ...). */
  readonly warnings: readonly string[];
}

export interface LabelsSource {
  readonly bytes: Uint8Array;
  /** The labels file's name (its extension picks the format: .npy, .csv/.txt, .json, .jsonl, ...). */
  readonly fileName: string;
}

export interface ReadRecordsOptions {
  /** The label column by name or 0-based index. Default: a column named "label" when there is one. */
  readonly labelColumn?: ColumnRef;
  /** The feature columns by name or index, in this order. Default: every column but the label. */
  readonly featureColumns?: readonly ColumnRef[];
  /** CSV: whether line 1 is a header. "auto" (default) decides from its cells. */
  readonly header?: "auto" | "present" | "absent";
  /** JSON lines / Parquet: the field holding each record's features as an array. */
  readonly featuresKey?: string;
  /** .npz: the arrays holding features and labels (default "x" and "y"). */
  readonly xKey?: string;
  readonly yKey?: string;
  /** Labels kept in a separate file (for a .npy of features, or a table without a label column). */
  readonly labels?: LabelsSource;
  /** Every label must lie in 0..numClasses-1. */
  readonly numClasses?: number;
  /** Class names to map string labels with (e.g. the members file's), instead of this file's sorted names. */
  readonly classNames?: readonly string[];
  /** Reshape each record (the product must equal the feature count), e.g. [1, 28, 28]. */
  readonly recordShape?: readonly number[];
}

export type { LabeledData };
