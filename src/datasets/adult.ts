// UCI Adult (adult.data, adult.test): 14 attributes and the income class, ", "-separated, '?' for a
// missing value, a "|1x3 Cross validator" first line in adult.test and a trailing '.' on its labels.
// Numeric attributes standardized, categoricals one-hot (with a '?' column where values are missing).
import { DatasetFormatError } from "./errors.js";
import { standardize } from "./preprocess.js";
import { categoryField, decodeText, Line, nonBlankLines, parseNumberField } from "./text-table.js";
import type { Dataset } from "./types.js";

interface Column {
  readonly name: string;
  /** Allowed values of a categorical column, in adult.names order; undefined for numeric. */
  readonly values?: readonly string[];
}

export const ADULT_COLUMNS: readonly Column[] = [
  { name: "age" },
  { name: "workclass", values: ["Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov", "Local-gov", "State-gov", "Without-pay", "Never-worked", "?"] },
  { name: "fnlwgt" },
  {
    name: "education",
    values: ["Bachelors", "Some-college", "11th", "HS-grad", "Prof-school", "Assoc-acdm", "Assoc-voc", "9th", "7th-8th", "12th", "Masters", "1st-4th", "10th", "Doctorate", "5th-6th", "Preschool"],
  },
  { name: "education-num" },
  { name: "marital-status", values: ["Married-civ-spouse", "Divorced", "Never-married", "Separated", "Widowed", "Married-spouse-absent", "Married-AF-spouse"] },
  {
    name: "occupation",
    values: ["Tech-support", "Craft-repair", "Other-service", "Sales", "Exec-managerial", "Prof-specialty", "Handlers-cleaners", "Machine-op-inspct", "Adm-clerical", "Farming-fishing", "Transport-moving", "Priv-house-serv", "Protective-serv", "Armed-Forces", "?"],
  },
  { name: "relationship", values: ["Wife", "Own-child", "Husband", "Not-in-family", "Other-relative", "Unmarried"] },
  { name: "race", values: ["White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black"] },
  { name: "sex", values: ["Female", "Male"] },
  { name: "capital-gain" },
  { name: "capital-loss" },
  { name: "hours-per-week" },
  {
    name: "native-country",
    values: ["United-States", "Cambodia", "England", "Puerto-Rico", "Canada", "Germany", "Outlying-US(Guam-USVI-etc)", "India", "Japan", "Greece", "South", "China", "Cuba", "Iran", "Honduras", "Philippines", "Italy", "Poland", "Jamaica", "Vietnam", "Mexico", "Portugal", "Ireland", "France", "Dominican-Republic", "Laos", "Ecuador", "Taiwan", "Haiti", "Columbia", "Hungary", "Guatemala", "Nicaragua", "Scotland", "Thailand", "Yugoslavia", "El-Salvador", "Trinadad&Tobago", "Peru", "Hong", "Holand-Netherlands", "?"],
  },
];
const CLASSES = ["<=50K", ">50K"];
export const ADULT_FEATURES = ADULT_COLUMNS.reduce((s, c) => s + (c.values?.length ?? 1), 0);

interface RawAdult {
  numeric: number[][];
  categorical: number[][];
  labels: number[];
}

function readAdultFile(bytes: Uint8Array, file: string, into: RawAdult): void {
  const lines = nonBlankLines(decodeText(bytes)).filter((l) => !l.text.startsWith("|"));
  if (lines.length === 0) throw new DatasetFormatError(file, "", "no records found (empty file?); expected 15 comma-separated fields a line");
  for (const line of lines) {
    const fields = line.text.split(",").map((f) => f.trim());
    if (fields.length !== ADULT_COLUMNS.length + 1) {
      throw new DatasetFormatError(file, `line ${line.number}`, `expected ${ADULT_COLUMNS.length + 1} comma-separated fields (14 attributes and the income class), found ${fields.length}`);
    }
    const numeric: number[] = [];
    const categorical: number[] = [];
    ADULT_COLUMNS.forEach((column, i) => {
      if (column.values) categorical.push(categoryField(fields[i]!, column.values, file, line, column.name));
      else numeric.push(parseNumberField(fields[i]!, file, line, column.name));
    });
    into.numeric.push(numeric);
    into.categorical.push(categorical);
    into.labels.push(adultLabel(fields[14]!, file, line));
  }
}

function adultLabel(field: string, file: string, line: Line): number {
  return categoryField(field.replace(/\.$/, ""), CLASSES, file, line, "income");
}

/** Both files in order (train then test), features fitted on all records. */
export function parseAdult(files: readonly { bytes: Uint8Array; file: string }[]): Dataset {
  const raw: RawAdult = { numeric: [], categorical: [], labels: [] };
  for (const { bytes, file } of files) readAdultFile(bytes, file, raw);
  const n = raw.labels.length;
  const numericColumns = ADULT_COLUMNS.filter((c) => !c.values);
  const standardized = numericColumns.map((_, j) => standardize(Float64Array.from(raw.numeric, (row) => row[j]!)).values);
  const features = new Float32Array(n * ADULT_FEATURES);
  for (let r = 0; r < n; r++) {
    let c = r * ADULT_FEATURES;
    let numericIndex = 0;
    let categoricalIndex = 0;
    for (const column of ADULT_COLUMNS) {
      if (column.values) {
        features[c + raw.categorical[r]![categoricalIndex++]!] = 1;
        c += column.values.length;
      } else {
        features[c++] = standardized[numericIndex++]![r]!;
      }
    }
  }
  return {
    name: "adult",
    features,
    recordShape: [ADULT_FEATURES],
    labels: Int32Array.from(raw.labels),
    numClasses: 2,
    classNames: CLASSES,
    kind: "tabular",
    featureKind: "mixed",
    provenance:
      `UCI Adult (${files.map((f) => f.file).join(" + ")}, ${n} records). Six numeric attributes standardized (fitted on all records), ` +
      "eight categoricals one-hot with '?' (missing) as its own value; label: income >50K.",
  };
}
