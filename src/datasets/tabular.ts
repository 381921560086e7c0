// Parsers for the vendored tabular and small-image sets: pure functions of (decompressed) bytes.
import type { Pcg32 } from "../kernels/random.js";
import { DatasetFormatError } from "./errors.js";
import { kmeansBinary } from "./kmeans.js";
import { median, standardize } from "./preprocess.js";
import { categoryField, decodeText, Line, nonBlankLines, parseNumberField, requireRows, splitFields } from "./text-table.js";
import type { Dataset } from "./types.js";

/** UCI optical digits as scikit-learn ships them: 64 values 0..16 then the digit, no header. */
export function parseDigits(bytes: Uint8Array, file: string): Dataset {
  const lines = nonBlankLines(decodeText(bytes));
  requireRows(lines, file, "digit records");
  const n = lines.length;
  const features = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  lines.forEach((line, r) => {
    const fields = splitFields(line, file, 65);
    for (let c = 0; c < 64; c++) {
      const v = parseNumberField(fields[c]!, file, line, `${c + 1}`);
      if (v < 0 || v > 16 || !Number.isInteger(v)) {
        throw new DatasetFormatError(file, `line ${line.number}, column ${c + 1}`, `expected a pixel count 0..16, found ${fields[c]}`);
      }
      features[r * 64 + c] = v / 16;
    }
    const label = parseNumberField(fields[64]!, file, line, "65 (digit)");
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new DatasetFormatError(file, `line ${line.number}, column 65`, `unknown label ${fields[64]}; expected a digit 0..9`);
    }
    labels[r] = label;
  });
  return {
    name: "digits",
    features,
    recordShape: [8, 8, 1],
    labels,
    numClasses: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    kind: "image",
    featureKind: "pixels",
    provenance:
      "UCI optical recognition of handwritten digits (scikit-learn's digits.csv.gz, 1,797 8x8 images, CC BY 4.0). " +
      "Pixel counts 0..16 scaled to [0, 1].",
  };
}

const CPS_COLUMNS = ["wage", "education", "experience", "ethnicity", "smsa", "region", "parttime"] as const;
const CPS_CATEGORIES = {
  ethnicity: ["cauc", "afam"],
  smsa: ["no", "yes"],
  region: ["northeast", "midwest", "south", "west"],
  parttime: ["no", "yes"],
} as const;

/**
 * CPS1988 (Adult stand-in): label 1 when the weekly wage is above the median wage of all records;
 * education and experience standardized, the four categoricals one-hot (wage itself is not a feature).
 */
export function parseCensus(bytes: Uint8Array, file: string): Dataset {
  const lines = nonBlankLines(decodeText(bytes));
  requireRows(lines, file, "header line");
  const header = lines[0]!.text.split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
  if (header.join(",") !== CPS_COLUMNS.join(",")) {
    throw new DatasetFormatError(file, "line 1", `expected the header ${CPS_COLUMNS.join(",")}, found ${lines[0]!.text}`);
  }
  const rows = lines.slice(1);
  requireRows(rows, file, "records after the header");
  const n = rows.length;
  const wage = new Float64Array(n);
  const education = new Float64Array(n);
  const experience = new Float64Array(n);
  const categories = Object.keys(CPS_CATEGORIES) as (keyof typeof CPS_CATEGORIES)[];
  const codes = categories.map(() => new Int32Array(n));
  rows.forEach((line, r) => {
    const f = splitFields(line, file, CPS_COLUMNS.length);
    wage[r] = parseNumberField(f[0]!, file, line, "wage");
    education[r] = parseNumberField(f[1]!, file, line, "education");
    experience[r] = parseNumberField(f[2]!, file, line, "experience");
    categories.forEach((name, i) => {
      codes[i]![r] = categoryField(f[3 + i]!, CPS_CATEGORIES[name], file, line, name);
    });
  });
  const threshold = median(wage);
  const numeric = [standardize(education), standardize(experience)];
  const width = numeric.length + categories.reduce((s, name) => s + CPS_CATEGORIES[name].length, 0);
  const features = new Float32Array(n * width);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let c = r * width;
    for (const column of numeric) features[c++] = column.values[r]!;
    categories.forEach((name, i) => {
      features[c + codes[i]![r]!] = 1;
      c += CPS_CATEGORIES[name].length;
    });
    labels[r] = wage[r]! > threshold ? 1 : 0;
  }
  return {
    name: "census",
    features,
    recordShape: [width],
    labels,
    numClasses: 2,
    classNames: [`wage <= ${threshold}`, `wage > ${threshold}`],
    kind: "tabular",
    featureKind: "mixed",
    provenance:
      `US Current Population Survey, March 1988 (R package AER, CPS1988; ${n} men), the Adult stand-in. ` +
      `Label: weekly wage above the median of all records (${threshold} USD). Features: education and experience ` +
      `standardized (mean ${numeric[0]!.mean.toFixed(3)}/${numeric[1]!.mean.toFixed(3)}, std ${numeric[0]!.std.toFixed(3)}/${numeric[1]!.std.toFixed(3)}, fitted on all records), ` +
      "ethnicity, smsa, region and parttime one-hot.",
  };
}

/** StatLog DNA (Location stand-in): header V1..V180,Class; 180 binary features; class ei, ie or n. */
export function parseDna(bytes: Uint8Array, file: string): Dataset {
  const lines = nonBlankLines(decodeText(bytes));
  requireRows(lines, file, "header line");
  const width = 180;
  const expectedHeader = [...Array.from({ length: width }, (_, i) => `V${i + 1}`), "Class"].join(",");
  if (lines[0]!.text.replace(/"/g, "") !== expectedHeader) {
    throw new DatasetFormatError(file, "line 1", `expected the header V1,...,V180,Class`);
  }
  const rows = lines.slice(1);
  requireRows(rows, file, "records after the header");
  const classNames = ["ei", "ie", "n"];
  const features = new Float32Array(rows.length * width);
  const labels = new Int32Array(rows.length);
  rows.forEach((line, r) => {
    const f = splitFields(line, file, width + 1);
    for (let c = 0; c < width; c++) features[r * width + c] = binaryField(f[c]!, file, line, `V${c + 1}`);
    labels[r] = categoryField(f[width]!.replace(/"/g, ""), classNames, file, line, "Class");
  });
  return {
    name: "dna",
    features,
    recordShape: [width],
    labels,
    numClasses: 3,
    classNames,
    kind: "tabular",
    featureKind: "binary",
    provenance:
      "StatLog DNA splice junctions (R package mlbench, DNA; 3,186 sequences), the Location stand-in: " +
      "180 binary indicator features, classes ei (exon/intron boundary), ie (intron/exon) and n (neither).",
  };
}

function binaryField(field: string, file: string, line: Line, column: string): number {
  if (field === "0") return 0;
  if (field === "1") return 1;
  throw new DatasetFormatError(file, `line ${line.number}, column ${column}`, `expected 0 or 1, found ${JSON.stringify(field)}`);
}

export interface SupermarketTable {
  readonly features: Float32Array;
  readonly rows: number;
  readonly departments: number;
}

/** Weka's supermarket.arff: 216 department flags ('t' bought, '?' not) and a 'total' low/high. */
export function parseSupermarketArff(bytes: Uint8Array, file: string): SupermarketTable {
  const lines = nonBlankLines(decodeText(bytes));
  requireRows(lines, file, "ARFF lines");
  const dataAt = lines.findIndex((l) => l.text.trim().toLowerCase() === "@data");
  if (dataAt === -1) throw new DatasetFormatError(file, "", "no @data line: expected an ARFF file");
  const attributes = lines.slice(0, dataAt).filter((l) => /^@attribute\s/i.test(l.text.trim()));
  if (attributes.length < 2 || !/^@attribute\s+'?total'?\s/i.test(attributes[attributes.length - 1]!.text.trim())) {
    throw new DatasetFormatError(file, `line ${lines[dataAt]!.number}`, "expected department attributes followed by a 'total' attribute before @data");
  }
  const departments = attributes.length - 1;
  const rows = lines.slice(dataAt + 1).filter((l) => !l.text.trim().startsWith("%"));
  requireRows(rows, file, "baskets after @data");
  const features = new Float32Array(rows.length * departments);
  rows.forEach((line, r) => {
    const f = splitFields(line, file, departments + 1);
    for (let c = 0; c < departments; c++) {
      const v = f[c]!.trim();
      if (v === "t") features[r * departments + c] = 1;
      else if (v !== "?") {
        throw new DatasetFormatError(file, `line ${line.number}, column department${c + 1}`, `expected 't' or '?', found ${JSON.stringify(f[c])}`);
      }
    }
    categoryField(f[departments]!, ["low", "high"], file, line, "total");
  });
  return { features, rows: rows.length, departments };
}

/** Purchase stand-in: the baskets' department flags, labelled by seeded k-means into k classes. */
export function clusterPurchases(table: SupermarketTable, { k, seed, rng }: { k: number; seed: number; rng: Pcg32 }): Dataset {
  const result = kmeansBinary(table.features, table.rows, table.departments, { k, rng });
  return {
    name: "purchase",
    features: table.features,
    recordShape: [table.departments],
    labels: result.assignments,
    numClasses: k,
    classNames: Array.from({ length: k }, (_, j) => `cluster ${j}`),
    kind: "tabular",
    featureKind: "binary",
    provenance:
      `Weka's supermarket baskets (${table.rows} real shopping baskets, ${table.departments} binary department flags), the Purchase-100 stand-in. ` +
      `Classes: k-means with k = ${k} (k-means++ initialisation seeded with ${seed}, ${result.iterations} Lloyd iterations${result.converged ? ", converged" : ""}) ` +
      "on the binary purchase vectors of all baskets, as Shokri et al. built Purchase-100.",
  };
}
