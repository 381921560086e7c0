// Portable gunzip through the Web Streams DecompressionStream (Node 18+, Deno, browsers), with the
// output bounded: deflate expands at most ~1032x, and the gzip trailer states the size, which we
// check afterwards so a truncated file can never pass as a shorter one. Multi-member files are
// checked member by member.
import { Gunzip } from "fflate";
import { DatasetFormatError } from "./errors.js";

/** Deflate's maximum expansion ratio is 1032:1; anything larger is corrupt or hostile. */
const MAX_RATIO = 1032;
const DEFAULT_MAX_OUTPUT = 2 ** 31 - 1;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface GunzipOptions {
  /** Upper bound on the decompressed size in bytes (default 2 GiB - 1). */
  readonly maxOutputBytes?: number;
  /**
   * The size the decompressed data's own header implies, read from its first bytes as they
   * stream out (null: not known yet, call again with more). Decompression stops as soon as the
   * output passes it, so a bomb behind a small header costs no more than the header says.
   */
  readonly sizeFromHeader?: (head: Uint8Array) => number | null;
}

export async function gunzip(bytes: Uint8Array, file: string, options: GunzipOptions = {}): Promise<Uint8Array> {
  try {
    return await gunzipStream(bytes, file, options);
  } catch (error) {
    // A valid multi-member file (gzip a b > ab.gz, or pigz output) trips the whole-stream trailer
    // check (Node) or the decompressor itself (Deno); it passes when each member checks out.
    if (!(error instanceof DatasetFormatError) || !/corrupt gzip/.test(error.message)) throw error;
    return gunzipMembers(bytes, file, options) ?? Promise.reject(error);
  }
}

async function gunzipStream(bytes: Uint8Array, file: string, options: GunzipOptions): Promise<Uint8Array> {
  if (bytes.length === 0) throw new DatasetFormatError(file, "", "empty file, expected gzip data");
  if (!isGzip(bytes)) {
    throw new DatasetFormatError(file, "byte 0", `expected the gzip magic number 1f 8b, found ${hex(bytes.subarray(0, 2))}`);
  }
  if (bytes.length < 18) throw new DatasetFormatError(file, "", `truncated gzip file: ${bytes.length} bytes, a gzip stream has at least 18`);
  const limit = Math.min(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT, bytes.length * MAX_RATIO + 1024);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailerSize = view.getUint32(bytes.length - 4, true);

  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader = input.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let implied: number | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new DatasetFormatError(file, "", `gzip data expands beyond ${limit} bytes, more than this file can hold`);
      }
      chunks.push(value);
      if (options.sizeFromHeader && implied === null) implied = options.sizeFromHeader(chunks.length === 1 ? value : concat(chunks, total));
      if (implied !== null && total > implied) {
        await reader.cancel().catch(() => {});
        throw new DatasetFormatError(file, "", `gzip data expands beyond the ${implied} bytes its header implies`);
      }
    }
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError(file, `after ${total} decompressed bytes`, `truncated or corrupt gzip data (${reason})`);
  }
  if (total % 2 ** 32 !== trailerSize) {
    throw new DatasetFormatError(
      file,
      "",
      `truncated or corrupt gzip data: decompressed ${total} bytes but the gzip trailer states ${trailerSize}`,
    );
  }
  return chunks.length === 1 ? chunks[0]! : concat(chunks, total);
}

/**
 * Gunzips member by member (fflate), checking each member's trailer size; null when the data is
 * not several whole members, so the caller reports its first error. The same bounds apply.
 */
function gunzipMembers(bytes: Uint8Array, file: string, options: GunzipOptions): Uint8Array | null {
  const limit = Math.min(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT, bytes.length * MAX_RATIO + 1024);
  const chunks: Uint8Array[] = [];
  const starts: Array<{ input: number; output: number }> = [{ input: 0, output: 0 }];
  let total = 0;
  let implied: number | null = null;
  const inflater = new Gunzip((chunk) => {
    total += chunk.length;
    chunks.push(chunk);
  });
  inflater.onmember = (offset) => starts.push({ input: offset, output: total });
  const SLICE = 16 * 1024;
  try {
    for (let at = 0; at < bytes.length; at += SLICE) {
      inflater.push(bytes.subarray(at, at + SLICE), at + SLICE >= bytes.length);
      if (total > limit) throw new DatasetFormatError(file, "", `gzip data expands beyond ${limit} bytes, more than this file can hold`);
      if (options.sizeFromHeader && implied === null && total > 0) implied = options.sizeFromHeader(concat(chunks, total));
      if (implied !== null && total > implied) throw new DatasetFormatError(file, "", `gzip data expands beyond the ${implied} bytes its header implies`);
    }
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    return null;
  }
  if (starts.length < 2) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let m = 0; m < starts.length; m++) {
    const end = m + 1 < starts.length ? starts[m + 1]!.input : bytes.length;
    const produced = (m + 1 < starts.length ? starts[m + 1]!.output : total) - starts[m]!.output;
    if (end < 4 || view.getUint32(end - 4, true) !== produced % 2 ** 32) return null;
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Gunzips when the bytes start with the gzip magic number, else returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, file: string, options?: GunzipOptions): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file, options) : Promise.resolve(bytes);
}

export function hex(bytes: Uint8Array): string {
  return bytes.length === 0 ? "nothing (empty file)" : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
