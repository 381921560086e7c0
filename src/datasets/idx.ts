// IDX files (MNIST, Fashion-MNIST): big-endian header [0, 0, type, dims], one u32 size per
// dimension, then the values. MNIST-style files hold unsigned bytes (type 0x08).
import { DatasetFormatError } from "./errors.js";
import { hex } from "./gzip.js";

export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { shape, dataStart, count } = readIdxHeader(bytes, file);
  const available = bytes.length - dataStart;
  if (count > available) {
    throw new DatasetFormatError(
      file,
      `byte ${dataStart}`,
      `the header claims shape ${shape.join(" x ")} (${count} bytes of data) but the file holds only ${available}: truncated?`,
    );
  }
  if (count < available) {
    throw new DatasetFormatError(file, `byte ${dataStart + count}`, `${available - count} bytes after the ${shape.join(" x ")} array; expected the file to end there`);
  }
  return { shape, data: bytes.subarray(dataStart, dataStart + count) };
}

export interface ImageLabelArrays {
  readonly features: Float32Array;
  readonly recordShape: readonly number[];
  readonly labels: Int32Array;
}

/** An images file (N x H x W) and a labels file (N) as features in [0, 1] and int labels. */
export function idxImagesAndLabels(
  images: IdxArray,
  labels: IdxArray,
  imagesFile: string,
  labelsFile: string,
  numClasses: number,
): ImageLabelArrays {
  if (images.shape.length !== 3) {
    throw new DatasetFormatError(imagesFile, "byte 3", `expected a 3-dimensional images array (N x rows x cols), found ${images.shape.length} dimensions`);
  }
  if (labels.shape.length !== 1) {
    throw new DatasetFormatError(labelsFile, "byte 3", `expected a 1-dimensional labels array, found ${labels.shape.length} dimensions`);
  }
  const [n, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) {
    throw new DatasetFormatError(labelsFile, "byte 4", `holds ${labels.shape[0]} labels but ${imagesFile} holds ${n} images`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (label >= numClasses) {
      throw new DatasetFormatError(labelsFile, `byte ${8 + i} (label ${i})`, `label ${label} is outside 0..${numClasses - 1}`);
    }
    out[i] = label;
  }
  return { features: scaleBytes(images.data), recordShape: [rows, cols, 1], labels: out };
}

/** Bytes 0..255 as floats in [0, 1]. */
export function scaleBytes(bytes: Uint8Array): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 255;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** The header's magic, type and shape; throws naming the byte when they are wrong or cut short. */
function readIdxHeader(bytes: Uint8Array, file: string): { shape: number[]; dataStart: number; count: number } {
  if (bytes.length === 0) throw new DatasetFormatError(file, "", "empty file, expected an IDX array");
  if (bytes.length < 4) throw new DatasetFormatError(file, "byte 0", `truncated IDX header: ${bytes.length} bytes, expected at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFormatError(file, "byte 0", `expected an IDX magic number 00 00 <type> <dims>, found ${hex(bytes.subarray(0, 4))}`);
  }
  const type = bytes[2]!;
  const dims = bytes[3]!;
  if (type !== 0x08) {
    throw new DatasetFormatError(file, "byte 2", `IDX element type 0x${type.toString(16).padStart(2, "0")} is not supported; expected 0x08 (unsigned bytes, as MNIST uses)`);
  }
  if (dims < 1) throw new DatasetFormatError(file, "byte 3", "IDX array with 0 dimensions; expected at least 1");
  const dataStart = 4 + 4 * dims;
  if (bytes.length < dataStart) {
    throw new DatasetFormatError(file, "byte 4", `truncated IDX header: ${dims} dimension sizes need ${dataStart} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < dims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  return { shape, dataStart, count };
}

/**
 * For gunzip's sizeFromHeader: the whole file's size as its IDX header states it, once the first
 * bytes hold the header (null before); a wrong magic number or type throws at once.
 */
export function idxSizeFromHeader(file: string): (head: Uint8Array) => number | null {
  return (head) => {
    if (head.length < 4 || head.length < 4 + 4 * head[3]!) return null;
    const { dataStart, count } = readIdxHeader(head, file);
    return dataStart + count;
  };
}
