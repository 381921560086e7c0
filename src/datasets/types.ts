// The typed dataset every loader returns, and the one thing a runtime must supply to load it: a
// DataSource that reads files by relative path (Node: a folder; browser: fetch from the page's server).
import type { LabeledData } from "../types.js";

export type DatasetKind = "image" | "tabular" | "text";
export type FeatureKind = "pixels" | "binary" | "standardized" | "tfidf" | "mixed";

export interface Dataset extends LabeledData {
  readonly name: string;
  /** classNames[label] names each label 0..numClasses-1. */
  readonly classNames: readonly string[];
  readonly kind: DatasetKind;
  readonly featureKind: FeatureKind;
  /** Where the records come from and how they were turned into features (one paragraph). */
  readonly provenance: string;
}

export interface DataSource {
  /** The file's bytes; rejects with an error that names the file when it cannot be read. */
  read(relativePath: string): Promise<Uint8Array>;
  /** Entry names (files and folders) directly inside a folder; needed only by folder-tree formats. */
  list?(relativeDir: string): Promise<string[]>;
  /** True when the file exists; lets loaders accept both `x.gz` and `x`. */
  exists?(relativePath: string): Promise<boolean>;
  /** How errors name a file ("/home/me/data/adult.data", "http://host/datasets/dna.csv.gz"). */
  describe?(relativePath: string): string;
}

/** Number of records in a dataset. */
export function recordCount(data: LabeledData): number {
  return data.labels.length;
}

/** Number of features in one record (the product of recordShape). */
export function featureCount(data: LabeledData): number {
  return data.recordShape.reduce((a, b) => a * b, 1);
}
