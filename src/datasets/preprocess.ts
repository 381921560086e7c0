// Feature statistics: standardization, label encoding, medians. Fitted on every record of the
// loaded dataset (see datasets/README.md: "Which statistics are fitted on which part").

/** Mean and population standard deviation (ddof 0, as scikit-learn's StandardScaler). */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) * (values[i]! - mean);
  return { mean, std: Math.sqrt(squares / values.length) };
}

/** (x - mean) / std; a constant column (std 0) becomes all zeros. */
export function standardize(values: Float64Array): { values: Float64Array; mean: number; std: number } {
  const { mean, std } = meanAndStd(values);
  const out = new Float64Array(values.length);
  const scale = std > 0 ? 1 / std : 0;
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! - mean) * scale;
  return { values: out, mean, std };
}

/** numpy.median: the middle value, or the mean of the two middle values. */
export function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Distinct strings in code-unit order (locale-independent, so the same on every runtime). */
export function sortedDistinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
