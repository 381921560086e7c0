// NumPy .npy files (format versions 1, 2 and 3): the parser reads little-endian, C-order arrays of
// the dtypes ML work produces ('<f4', '<f8', '|u1', '<i4', '<i8'); encodeNpy writes them back.
// Used for LFW images and labels, and by the attack CLI for posterior files.
import { DatasetFormatError } from "./errors.js";
import { hex } from "./gzip.js";

export type NpyDtype = "<f4" | "<f8" | "|u1" | "<i4" | "<i8";
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ITEM_SIZE: Record<NpyDtype, number> = { "<f4": 4, "<f8": 8, "|u1": 1, "<i4": 4, "<i8": 8 };
/** Spellings numpy uses for the same little-endian types. */
const ALIASES: Record<string, NpyDtype> = { "<u1": "|u1", u1: "|u1", "|i1": "|u1" };

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length === 0) throw new DatasetFormatError(file, "", "empty file, expected a NumPy .npy array");
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new DatasetFormatError(file, "byte 0", `expected the .npy magic string \\x93NUMPY, found ${hex(bytes.subarray(0, 6))}`);
    }
  }
  if (bytes.length < 10) throw new DatasetFormatError(file, "byte 6", "truncated .npy header: the version and header length are missing");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DatasetFormatError(file, "byte 8", "truncated .npy header: the 4-byte header length is missing");
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new DatasetFormatError(file, "byte 6", `unsupported .npy format version ${major}.${bytes[7]}, expected 1.0, 2.0 or 3.0`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new DatasetFormatError(file, "byte 8", `header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  }
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));
  const { dtype, fortranOrder, shape } = parseHeader(header, file, headerStart);
  if (fortranOrder) {
    throw new DatasetFormatError(file, `byte ${headerStart}`, "fortran_order is True; expected a C-order array (save it with np.ascontiguousarray)");
  }
  const itemSize = ITEM_SIZE[dtype];
  const available = bytes.length - dataStart;
  let count = 1;
  for (const d of shape) count *= d;
  if (!Number.isSafeInteger(count) || count * itemSize > available) {
    throw new DatasetFormatError(
      file,
      `byte ${dataStart}`,
      `the header claims shape (${shape.join(", ")}) of ${dtype}, ${count * itemSize} bytes of data, but the file holds only ${available}`,
    );
  }
  if (count * itemSize < available) {
    throw new DatasetFormatError(
      file,
      `byte ${dataStart + count * itemSize}`,
      `${available - count * itemSize} bytes after the end of the array (shape (${shape.join(", ")}) of ${dtype}); expected the file to end there`,
    );
  }
  // Copy so the typed array is aligned and owns its memory (every runtime we target is little-endian).
  // (Not bytes.slice: on a Node Buffer that is a view, not a copy.)
  const copy = new Uint8Array(count * itemSize);
  copy.set(bytes.subarray(dataStart, dataStart + count * itemSize));
  const body = copy.buffer;
  const data: NpyData =
    dtype === "<f4" ? new Float32Array(body)
    : dtype === "<f8" ? new Float64Array(body)
    : dtype === "|u1" ? new Uint8Array(body)
    : dtype === "<i4" ? new Int32Array(body)
    : new BigInt64Array(body);
  return { dtype, shape, data };
}

function parseHeader(header: string, file: string, at: number): { dtype: NpyDtype; fortranOrder: boolean; shape: number[] } {
  const where = `byte ${at}`;
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetFormatError(file, where, `malformed .npy header ${JSON.stringify(header.trim())}: expected 'descr', 'fortran_order' and 'shape'`);
  }
  const dtype = (ALIASES[descr] ?? descr) as NpyDtype;
  if (!(dtype in ITEM_SIZE)) {
    const bigEndian = descr.startsWith(">") ? " (big-endian: convert with arr.astype(arr.dtype.newbyteorder('<')))" : "";
    throw new DatasetFormatError(file, where, `unsupported dtype '${descr}'${bigEndian}; expected one of '<f4', '<f8', '|u1', '<i4', '<i8'`);
  }
  const parts = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const shape = parts.map((p) => {
    const n = Number(p.replace(/L$/, ""));
    if (!/^\d+L?$/.test(p) || !Number.isSafeInteger(n)) throw new DatasetFormatError(file, where, `shape entry '${p}' is not a non-negative integer`);
    return n;
  });
  return { dtype, fortranOrder: fortran === "True", shape };
}

/**
 * parseNpy with every value as a JS number ('<i8' becomes float64, values beyond 2^53 rejected):
 * the form the attack CLI's posterior-file reader takes.
 */
export function parseNpyNumeric(bytes: Uint8Array, file: string): { dtype: NpyDtype; shape: readonly number[]; data: Float32Array | Float64Array | Uint8Array | Int32Array } {
  const array = parseNpy(bytes, file);
  const data = array.data instanceof BigInt64Array ? Float64Array.from(bigIntsToNumbers(array.data, file)) : array.data;
  return { dtype: array.dtype, shape: array.shape, data };
}

/** The array's values as float32 (integers must be exactly representable as numbers). */
export function npyToFloat32(array: NpyArray, file: string): Float32Array {
  if (array.data instanceof Float32Array) return array.data;
  if (array.data instanceof BigInt64Array) return Float32Array.from(bigIntsToNumbers(array.data, file));
  return Float32Array.from(array.data as ArrayLike<number>);
}

/** The array's values as int32 labels: integer dtypes only, each within int32. */
export function npyToInt32(array: NpyArray, file: string): Int32Array {
  const { data } = array;
  if (data instanceof Int32Array) return data;
  if (data instanceof Uint8Array) return Int32Array.from(data);
  if (data instanceof BigInt64Array) {
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < -2147483648n || v > 2147483647n) throw new DatasetFormatError(file, `element ${i}`, `value ${v} does not fit in int32`);
      out[i] = Number(v);
    }
    return out;
  }
  throw new DatasetFormatError(file, "", `expected an integer array ('|u1', '<i4' or '<i8'), found '${array.dtype}'`);
}

function bigIntsToNumbers(values: BigInt64Array, file: string): number[] {
  return Array.from(values, (v, i) => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new DatasetFormatError(file, `element ${i}`, `value ${v} is beyond 2^53`);
    }
    return Number(v);
  });
}

/** A version 1.0 .npy file (C order), its header padded to a multiple of 64 bytes as numpy does. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const dtype: NpyDtype =
    data instanceof Float32Array ? "<f4"
    : data instanceof Float64Array ? "<f8"
    : data instanceof Uint8Array ? "|u1"
    : data instanceof Int32Array ? "<i4"
    : "<i8";
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpy: shape (${shape.join(", ")}) holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  if (header.length > 65535) throw new RangeError("encodeNpy: header too long for format 1.0");
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
