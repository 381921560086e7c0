// Text to features: a tokenizer and TF-IDF with a vocabulary cap, following scikit-learn's
// TfidfVectorizer defaults (lowercase, tokens of 2+ word characters, smooth idf, l2-normalised
// rows, vocabulary = the most frequent terms, columns in term order), fitted on every document.
import { DatasetFormatError } from "./errors.js";
import { sortedDistinct } from "./preprocess.js";
import { decodeText, nonBlankLines } from "./text-table.js";
import type { Dataset } from "./types.js";
import * as portable from "../util/portable-math.js";

const WORD = /[\p{L}\p{N}_]/u;

/** Lowercased tokens of two or more word characters (letters, digits, '_'), as scikit-learn's \b\w\w+\b. */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  const tokens: string[] = [];
  let start = -1;
  let points = 0;
  for (let i = 0; i <= lower.length; ) {
    let word = false;
    let width = 1;
    if (i < lower.length) {
      const c = lower.charCodeAt(i);
      if (c < 128) word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
      else {
        const point = lower.codePointAt(i)!;
        width = point > 0xffff ? 2 : 1;
        word = WORD.test(String.fromCodePoint(point));
      }
    }
    if (word) {
      if (start === -1) {
        start = i;
        points = 0;
      }
      points++;
    } else if (start !== -1) {
      if (points >= 2) tokens.push(lower.slice(start, i));
      start = -1;
    }
    i += width;
  }
  return tokens;
}

/** Documents as term ids into one shared term list (so counting never hashes a string twice). */
export interface TokenizedCorpus {
  readonly terms: readonly string[];
  readonly documents: readonly Int32Array[];
}

export function tokenizeCorpus(texts: readonly string[]): TokenizedCorpus {
  const ids = new Map<string, number>();
  const terms: string[] = [];
  const documents = texts.map((text) =>
    Int32Array.from(tokenize(text), (t) => {
      let id = ids.get(t);
      if (id === undefined) {
        id = terms.length;
        ids.set(t, id);
        terms.push(t);
      }
      return id;
    }),
  );
  return { terms, documents };
}

export interface TfidfModel {
  /** Column j holds vocabulary[j]. */
  readonly vocabulary: readonly string[];
  readonly idf: Float64Array;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Vocabulary (the `maxFeatures` terms with the highest corpus counts; ties in term order) and idf. */
export function fitTfidf(corpus: TokenizedCorpus, maxFeatures: number): TfidfModel {
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1) throw new RangeError(`TF-IDF: the vocabulary size must be a positive integer, got ${maxFeatures}`);
  const { terms, documents } = corpus;
  const counts = new Float64Array(terms.length);
  const documentFrequency = new Float64Array(terms.length);
  const lastDocument = new Int32Array(terms.length).fill(-1);
  documents.forEach((doc, d) => {
    for (const id of doc) {
      counts[id]!++;
      if (lastDocument[id] !== d) {
        lastDocument[id] = d;
        documentFrequency[id]!++;
      }
    }
  });
  const ranked = Array.from(terms.keys()).sort((a, b) => counts[b]! - counts[a]! || byCodeUnits(terms[a]!, terms[b]!));
  const chosen = ranked.slice(0, maxFeatures).sort((a, b) => byCodeUnits(terms[a]!, terms[b]!));
  const n = documents.length;
  return {
    vocabulary: chosen.map((id) => terms[id]!),
    idf: Float64Array.from(chosen, (id) => portable.log((1 + n) / (1 + documentFrequency[id]!)) + 1),
  };
}

/** documents x vocabulary TF-IDF matrix, each row scaled to unit l2 norm (empty rows stay zero). */
export function transformTfidf(corpus: TokenizedCorpus, model: TfidfModel): Float32Array {
  const width = model.vocabulary.length;
  const columnOf = new Map(model.vocabulary.map((t, j) => [t, j]));
  const column = Int32Array.from(corpus.terms, (t) => columnOf.get(t) ?? -1);
  const out = new Float32Array(corpus.documents.length * width);
  const row = new Float64Array(width);
  corpus.documents.forEach((doc, d) => {
    row.fill(0);
    for (const id of doc) {
      const j = column[id]!;
      if (j !== -1) row[j]! += 1;
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
  const tokens = tokenizeCorpus(corpus.texts);
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
