// Text to features: a tokenizer and TF-IDF with a vocabulary cap, following scikit-learn's
// TfidfVectorizer defaults (lowercase, tokens of 2+ word characters, smooth idf, l2-normalised
// rows, vocabulary = the most frequent terms, columns in term order), fitted on every document.
import { DatasetFormatError } from "./errors.js";
import { sortedDistinct } from "./preprocess.js";
import { decodeText, nonBlankLines } from "./text-table.js";
import type { Dataset } from "./types.js";

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

export interface TfidfModel {
  /** Column j holds vocabulary[j]. */
  readonly vocabulary: readonly string[];
  readonly idf: Float64Array;
}

/** Vocabulary (the `maxFeatures` terms with the highest corpus counts; ties in term order) and idf. */
export function fitTfidf(documents: readonly string[][], maxFeatures: number): TfidfModel {
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1) throw new RangeError(`TF-IDF: the vocabulary size must be a positive integer, got ${maxFeatures}`);
  const counts = new Map<string, number>();
  const documentFrequency = new Map<string, number>();
  for (const tokens of documents) {
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const t of new Set(tokens)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocabulary = sortedDistinct(ranked.slice(0, maxFeatures).map(([t]) => t));
  const n = documents.length;
  const idf = Float64Array.from(vocabulary, (t) => Math.log((1 + n) / (1 + documentFrequency.get(t)!)) + 1);
  return { vocabulary, idf };
}

/** documents x vocabulary TF-IDF matrix, each row scaled to unit l2 norm (empty rows stay zero). */
export function transformTfidf(documents: readonly string[][], model: TfidfModel): Float32Array {
  const width = model.vocabulary.length;
  const column = new Map(model.vocabulary.map((t, j) => [t, j]));
  const out = new Float32Array(documents.length * width);
  const row = new Float64Array(width);
  documents.forEach((tokens, d) => {
    row.fill(0);
    for (const t of tokens) {
      const j = column.get(t);
      if (j !== undefined) row[j]! += 1;
    }
    let norm = 0;
    for (let j = 0; j < width; j++) {
      row[j]! *= model.idf[j]!;
      norm += row[j]! * row[j]!;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < width; j++) out[d * width + j] = row[j]! * scale;
  });
  return out;
}

export interface LabelledTexts {
  readonly texts: string[];
  readonly groups: string[];
}

/** Texts with group names to a TF-IDF Dataset; classes are the group names in code-unit order. */
export function textDataset(
  corpus: LabelledTexts,
  info: { name: string; vocabularySize: number; provenance: string },
): Dataset {
  const classNames = sortedDistinct(corpus.groups);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const tokens = corpus.texts.map(tokenize);
  const model = fitTfidf(tokens, info.vocabularySize);
  return {
    name: info.name,
    features: transformTfidf(tokens, model),
    recordShape: [model.vocabulary.length],
    labels: Int32Array.from(corpus.groups, (g) => classIndex.get(g)!),
    numClasses: classNames.length,
    classNames,
    kind: "text",
    featureKind: "tfidf",
    provenance: `${info.provenance} TF-IDF over the ${model.vocabulary.length} most frequent terms (scikit-learn TfidfVectorizer defaults: lowercase, 2+ character word tokens, smooth idf, l2 rows), vocabulary and idf fitted on all ${corpus.texts.length} documents.`,
  };
}

/** mailing-lists.jsonl: one JSON object a line, {"list": name, "text": body}. */
export function parseMailingLists(bytes: Uint8Array, file: string): LabelledTexts {
  const lines = nonBlankLines(decodeText(bytes));
  if (lines.length === 0) throw new DatasetFormatError(file, "", "no posts found (empty file?); expected one JSON object a line");
  const texts: string[] = [];
  const groups: string[] = [];
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (error) {
      throw new DatasetFormatError(file, `line ${line.number}`, `expected a JSON object {"list", "text"} (${error instanceof Error ? error.message : String(error)})`);
    }
    const record = value as { list?: unknown; text?: unknown };
    if (typeof value !== "object" || value === null || typeof record.list !== "string" || typeof record.text !== "string" || record.list === "") {
      throw new DatasetFormatError(file, `line ${line.number}`, `expected a JSON object with string fields "list" and "text"`);
    }
    groups.push(record.list);
    texts.push(record.text);
  }
  return { texts, groups };
}

/** A 20 Newsgroups post: drops the header block (up to the first blank line), which names the group. */
export function stripNewsHeader(text: string): string {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? text.slice(match.index + match[0].length) : "";
}
