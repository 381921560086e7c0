// Resumable HTTP downloads for Node: bytes go to "<file>.part"; an interrupted download resumes
// with an HTTP Range request; the finished file is checked (size, MD5/SHA-256) and only then
// renamed into place, so a reader never sees a partial or corrupt file under the real name.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

export interface ExpectedFile {
  readonly md5?: string;
  readonly sha256?: string;
  readonly bytes?: number;
}

export interface DownloadOptions {
  readonly expected?: ExpectedFile;
  /** Bytes so far and the total when the server says (undefined otherwise). */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly fetchImpl?: typeof fetch;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  readonly bytes: number;
  readonly md5: string;
  readonly sha256: string;
  /** Bytes that were already on disk from an earlier, interrupted attempt. */
  readonly resumedFrom: number;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

export async function fileDigests(path: string): Promise<{ bytes: number; md5: string; sha256: string }> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

/** Which expectation a file fails, or undefined when it meets them all. */
export function checksumProblem(actual: { bytes: number; md5: string; sha256: string }, expected: ExpectedFile = {}): string | undefined {
  if (expected.bytes !== undefined && actual.bytes !== expected.bytes) return `expected ${expected.bytes} bytes, got ${actual.bytes}`;
  if (expected.md5 && actual.md5 !== expected.md5.toLowerCase()) return `checksum mismatch: expected MD5 ${expected.md5}, got ${actual.md5}`;
  if (expected.sha256 && actual.sha256 !== expected.sha256.toLowerCase()) return `checksum mismatch: expected SHA-256 ${expected.sha256}, got ${actual.sha256}`;
  return undefined;
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { expected, onProgress, signal } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let start = (await sizeOf(part)) ?? 0;
  if (expected?.bytes !== undefined && start > expected.bytes) {
    await rm(part, { force: true });
    start = 0;
  }
  const resumedFrom = start;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: start > 0 ? { Range: `bytes=${start}-` } : {}, redirect: "follow", signal });
  } catch (error) {
    throw new Error(`${url}: cannot connect (${reason(error)})`);
  }
  let append = false;
  let total: number | undefined;
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (!range || Number(range[1]) !== start) {
      await response.body?.cancel();
      throw new Error(`${url}: the server answered the resume request with an unexpected Content-Range (${response.headers.get("content-range")}); delete ${part} and retry`);
    }
    append = true;
    total = range[2] === "*" ? undefined : Number(range[2]);
  } else if (response.status === 416 && start > 0) {
    // Nothing left to fetch: the part file is already complete.
    await response.body?.cancel();
    return finish(part, dest, expected, resumedFrom, url);
  } else if (response.ok) {
    start = 0; // the server ignored Range: start over
    total = Number.isFinite(length) ? length : undefined;
  } else {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  if (total === undefined && expected?.bytes !== undefined) total = expected.bytes;

  const handle = await open(part, append ? "a" : "w");
  let done = start;
  onProgress?.(done, total);
  try {
    if (!response.body) throw new Error("empty response body");
    const reader = response.body.getReader();
    for (;;) {
      const { done: finished, value } = await reader.read();
      if (finished) break;
      await handle.write(value);
      done += value.length;
      if (expected?.bytes !== undefined && done > expected.bytes) {
        await reader.cancel();
        throw new Error(`the server sent more than the expected ${expected.bytes} bytes`);
      }
      onProgress?.(done, total);
    }
  } catch (error) {
    await handle.close();
    throw new Error(`${url}: download interrupted after ${done} bytes (${reason(error)}); run the same command again to resume`);
  }
  await handle.close();
  if (total !== undefined && done < total) {
    throw new Error(`${url}: download interrupted after ${done} of ${total} bytes; run the same command again to resume`);
  }
  return finish(part, dest, expected, resumedFrom, url);
}

async function finish(part: string, dest: string, expected: ExpectedFile | undefined, resumedFrom: number, url: string): Promise<DownloadResult> {
  const digests = await fileDigests(part);
  const problem = checksumProblem(digests, expected);
  if (problem) {
    await rm(part, { force: true });
    throw new Error(`${url}: ${problem}; the download was deleted (run again to retry, or check the mirror)`);
  }
  await rename(part, dest);
  return { ...digests, resumedFrom };
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
