// CIFAR-10 and CIFAR-100 binary batches ("version suitable for C programs"): fixed-size records of
// label byte(s) then 3072 pixel bytes as three 32x32 planes (red, green, blue). We return
// height x width x channel records in [0, 1], the layout tfjs's conv layers expect.
import { DatasetFormatError } from "./errors.js";

export type CifarVariant = "cifar10" | "cifar100";
const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

export interface CifarBatch {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  /** CIFAR-100 only: the superclass of each record. */
  readonly coarseLabels?: Int32Array;
}

export function cifarRecordBytes(variant: CifarVariant): number {
  return (variant === "cifar10" ? 1 : 2) + IMAGE_BYTES;
}

/** Records in a batch file, checking that its size is a whole number of records. */
export function cifarRecordCount(bytes: Uint8Array, file: string, variant: CifarVariant): number {
  const recordBytes = cifarRecordBytes(variant);
  if (bytes.length === 0) throw new DatasetFormatError(file, "", `empty file, expected ${variant} records of ${recordBytes} bytes`);
  if (bytes.length % recordBytes !== 0) {
    const whole = Math.floor(bytes.length / recordBytes);
    throw new DatasetFormatError(
      file,
      `byte ${whole * recordBytes}`,
      `file size ${bytes.length} is not a multiple of the ${variant} record size ${recordBytes}: record ${whole} is cut short (truncated file, or the other CIFAR variant?)`,
    );
  }
  return bytes.length / recordBytes;
}

/**
 * One batch file. CIFAR-100 records hold the coarse label, then the fine label. With `into`, the
 * records are written at record offset `at` of preallocated arrays (so a 60,000-image set is built
 * without a second copy).
 */
export function parseCifarBatch(
  bytes: Uint8Array,
  file: string,
  variant: CifarVariant,
  into?: { features: Float32Array; labels: Int32Array; coarseLabels?: Int32Array; at: number },
): CifarBatch {
  const labelBytes = variant === "cifar10" ? 1 : 2;
  const recordBytes = labelBytes + IMAGE_BYTES;
  const n = cifarRecordCount(bytes, file, variant);
  const fineClasses = variant === "cifar10" ? 10 : 100;
  const base = into?.at ?? 0;
  const features = into?.features ?? new Float32Array(n * IMAGE_BYTES);
  const labels = into?.labels ?? new Int32Array(n);
  const coarseLabels = variant === "cifar100" ? (into ? into.coarseLabels : new Int32Array(n)) : undefined;
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  for (let r = 0; r < n; r++) {
    const at = r * recordBytes;
    const fine = bytes[at + labelBytes - 1]!;
    if (fine >= fineClasses) throw new DatasetFormatError(file, `byte ${at + labelBytes - 1} (record ${r})`, `label ${fine} is outside 0..${fineClasses - 1}`);
    labels[base + r] = fine;
    if (variant === "cifar100") {
      const coarse = bytes[at]!;
      if (coarse >= 20) throw new DatasetFormatError(file, `byte ${at} (record ${r})`, `coarse label ${coarse} is outside 0..19`);
      if (coarseLabels) coarseLabels[base + r] = coarse;
    }
    const pixels = at + labelBytes;
    const out = (base + r) * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      features[out + 3 * p] = scale[bytes[pixels + p]!]!;
      features[out + 3 * p + 1] = scale[bytes[pixels + PIXELS + p]!]!;
      features[out + 3 * p + 2] = scale[bytes[pixels + 2 * PIXELS + p]!]!;
    }
  }
  return coarseLabels ? { features, labels, coarseLabels } : { features, labels };
}

/** Label-name files (batches.meta.txt, fine_label_names.txt): one name a line, blank lines ignored. */
export function parseLabelNames(text: string, file: string, expected: number): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== "");
  if (names.length !== expected) throw new DatasetFormatError(file, "", `expected ${expected} class names, one a line; found ${names.length}`);
  return names;
}
