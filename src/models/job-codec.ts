// TrainingJob and TrainingResult as content-addressed bytes, for running jobs on other processes or
// machines (the Redis queue in src/adapters/node/queue.ts). A job becomes a small JSON payload (the
// architecture, the training config with its seed, and SHA-256 references to its arrays) plus the
// arrays themselves as blobs; its key is the SHA-256 of that payload, so equal jobs share one key
// (and one result) whichever audit asks for them. Arrays are stored as their little-endian bytes.
import { canonicalJson } from "../report/json.js";
import type { LabeledData, Posteriors } from "../types.js";
import { sha256Hex } from "../util/sha256.js";
import type { TrainingJob, TrainingResult } from "./parallel.js";
import { MODEL_KINDS, type BuiltInModelKind, type ModelKind, type TrainSummary } from "./types.js";

export const JOB_FORMAT = "mlleaks-job/1";
const RESULT_FORMAT = "mlleaks-result/1";
/** No single array of a job may exceed this (Redis's own limit on a value is 512 MiB). */
export const MAX_BLOB_BYTES = 512 * 1024 * 1024;

/** A worker refuses a payload that does not describe a well-formed job. */
export class InvalidJobError extends Error {
  override readonly name = "InvalidJobError";
}

export interface BlobRef {
  readonly sha256: string;
  readonly bytes: number;
}

export interface JobPayload {
  readonly format: typeof JOB_FORMAT;
  readonly kind: ModelKind;
  readonly spec: TrainingJob["spec"];
  readonly options: { readonly seed: number; readonly epochs?: number; readonly batchSize?: number; readonly learningRate?: number; readonly l2?: number };
  readonly data: { readonly features: BlobRef; readonly labels: BlobRef; readonly recordShape: readonly number[]; readonly numClasses: number };
  readonly predict: readonly { readonly features: BlobRef; readonly rows: number }[];
}

export interface EncodedJob {
  /** SHA-256 of the canonical payload: the job's identity and its result's name. */
  readonly key: string;
  readonly payload: JobPayload;
  /** The arrays the payload refers to, by SHA-256. */
  readonly blobs: ReadonlyMap<string, Uint8Array>;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * SHA-256s of arrays already hashed, by their bytes' place in memory: a batch's reference models all
 * predict the same records, hashed once. Valid only while those arrays do not change (one batch).
 */
export class BlobHashes {
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Promise<string>>>();
  hash(bytes: Uint8Array): Promise<string> {
    let places = this.byBuffer.get(bytes.buffer);
    if (!places) this.byBuffer.set(bytes.buffer, (places = new Map()));
    const place = `${bytes.byteOffset}:${bytes.byteLength}`;
    let sha256 = places.get(place);
    if (!sha256) places.set(place, (sha256 = sha256Hex(bytes)));
    return sha256;
  }
}

export async function encodeTrainingJob(job: TrainingJob, hashes = new BlobHashes()): Promise<EncodedJob> {
  const blobs = new Map<string, Uint8Array>();
  const blob = async (array: Float32Array | Int32Array): Promise<BlobRef> => {
    const bytes = bytesOf(array);
    const sha256 = await hashes.hash(bytes);
    blobs.set(sha256, bytes);
    return { sha256, bytes: bytes.byteLength };
  };
  // The payload carries the plain training settings only: a training defence's options would be dropped.
  const unqueueable = (["labelSmoothing", "dpSgd", "relaxLoss", "adversarialRegularization", "entropyRegularizer", "earlyStopping"] as const).filter((k) => job.options[k] !== undefined);
  if (unqueueable.length > 0) throw new Error(`job options ${unqueueable.join(", ")}: training defences cannot be queued yet (the job format carries seed, epochs, batchSize, learningRate and l2); train them without --queue`);
  const { seed, epochs, batchSize, learningRate, l2 } = job.options;
  const payload: JobPayload = {
    format: JOB_FORMAT,
    kind: job.kind,
    spec: JSON.parse(JSON.stringify(job.spec)) as TrainingJob["spec"],
    options: JSON.parse(JSON.stringify({ seed, epochs, batchSize, learningRate, l2 })) as JobPayload["options"],
    data: { features: await blob(job.data.features), labels: await blob(job.data.labels), recordShape: [...job.data.recordShape], numClasses: job.data.numClasses },
    predict: await Promise.all((job.predict ?? []).map(async (q) => ({ features: await blob(q.features.subarray(0, q.rows * recordWidth(job.data.recordShape))), rows: q.rows }))),
  };
  return { key: await sha256Hex(canonicalJson(payload)), payload, blobs };
}

const recordWidth = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === "string" ? `'${got.slice(0, 80)}'` : JSON.stringify(got)?.slice(0, 80);
  throw new InvalidJobError(`job payload: ${field}: expected ${expected}, got ${shown}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min: number): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= min;

function checkShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 4 || !value.every((d) => isCount(d, 1))) fail(field, "1 to 4 positive integers", value);
  const shape = value as number[];
  if (recordWidth(shape) * 4 > MAX_BLOB_BYTES) fail(field, `a record of at most ${MAX_BLOB_BYTES / 4} values`, value);
  return shape;
}

function checkBlob(value: unknown, field: string, bytes: number): BlobRef {
  if (!isObject(value) || typeof value.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(value.sha256)) fail(`${field}.sha256`, "64 lowercase hex digits", isObject(value) ? value.sha256 : value);
  if (value.bytes !== bytes) fail(`${field}.bytes`, `${bytes} (as the shapes say)`, value.bytes);
  if (bytes > MAX_BLOB_BYTES) fail(`${field}.bytes`, `at most ${MAX_BLOB_BYTES}`, bytes);
  return { sha256: value.sha256, bytes };
}

function checkOptional(options: Record<string, unknown>, name: string, ok: (v: number) => boolean, expected: string): void {
  const v = options[name];
  if (v !== undefined && !(typeof v === "number" && ok(v))) fail(`options.${name}`, expected, v);
}

/** Checks an untrusted payload field by field; the arrays' own bytes are checked by decodeTrainingJob. */
export function validateJobPayload(value: unknown): JobPayload {
  if (!isObject(value)) fail("(payload)", "an object", value);
  if (value.format !== JOB_FORMAT) fail("format", `'${JOB_FORMAT}'`, value.format);
  if (typeof value.kind !== "string" || !MODEL_KINDS.includes(value.kind as BuiltInModelKind)) fail("kind", `one of ${MODEL_KINDS.join(", ")} (queued jobs take the built-in architectures)`, value.kind);
  const spec = value.spec;
  if (!isObject(spec)) fail("spec", "an object", spec);
  const inputShape = checkShape(spec.inputShape, "spec.inputShape");
  if (!isCount(spec.numClasses, 2) || spec.numClasses > 65536) fail("spec.numClasses", "an integer from 2 to 65536", spec.numClasses);
  if (spec.engine !== undefined && spec.engine !== "tfjs" && spec.engine !== "fused") fail("spec.engine", "tfjs or fused", spec.engine);
  if (spec.dropout !== undefined && !(typeof spec.dropout === "number" && spec.dropout >= 0 && spec.dropout < 1)) fail("spec.dropout", "a rate in [0, 1)", spec.dropout);
  const options = value.options;
  if (!isObject(options)) fail("options", "an object", options);
  if (!isCount(options.seed, 0)) fail("options.seed", "an integer from 0 to 2^53-1", options.seed);
  checkOptional(options, "epochs", (v) => isCount(v, 1) && v <= 100000, "an integer from 1 to 100000");
  checkOptional(options, "batchSize", (v) => isCount(v, 1), "a positive integer");
  checkOptional(options, "learningRate", (v) => v > 0 && Number.isFinite(v), "a positive number");
  checkOptional(options, "l2", (v) => v >= 0 && Number.isFinite(v), "a number >= 0");
  const data = value.data;
  if (!isObject(data)) fail("data", "an object", data);
  const recordShape = checkShape(data.recordShape, "data.recordShape");
  const width = recordWidth(recordShape);
  if (width !== recordWidth(inputShape)) fail("data.recordShape", `records of ${recordWidth(inputShape)} values (spec.inputShape)`, data.recordShape);
  if (data.numClasses !== spec.numClasses) fail("data.numClasses", `${spec.numClasses} (spec.numClasses)`, data.numClasses);
  const labelBytes = isObject(data.labels) ? data.labels.bytes : undefined;
  if (!isCount(labelBytes, 4) || labelBytes % 4 !== 0) fail("data.labels.bytes", "a positive multiple of 4", labelBytes);
  const rows = labelBytes / 4;
  const features = checkBlob(data.features, "data.features", rows * width * 4);
  const labels = checkBlob(data.labels, "data.labels", labelBytes);
  if (!Array.isArray(value.predict) || value.predict.length > 64) fail("predict", "a list of at most 64 queries", value.predict);
  const predict = value.predict.map((q: unknown, i: number) => {
    if (!isObject(q) || !isCount(q.rows, 0)) fail(`predict[${i}].rows`, "an integer >= 0", isObject(q) ? q.rows : q);
    return { features: checkBlob(q.features, `predict[${i}].features`, q.rows * width * 4), rows: q.rows };
  });
  return {
    format: JOB_FORMAT,
    kind: value.kind as ModelKind,
    spec: spec as unknown as TrainingJob["spec"],
    options: options as unknown as JobPayload["options"],
    data: { features, labels, recordShape, numClasses: spec.numClasses },
    predict,
  };
}

/** Every distinct blob a payload refers to. */
export function blobRefs(payload: JobPayload): BlobRef[] {
  const all = [payload.data.features, payload.data.labels, ...payload.predict.map((q) => q.features)];
  return [...new Map(all.map((b) => [b.sha256, b])).values()];
}

/** Throws InvalidJobError unless `bytes` are the blob `ref` names (its size and SHA-256). */
export async function verifyBlob(ref: BlobRef, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== ref.bytes || (await sha256Hex(bytes)) !== ref.sha256) throw new InvalidJobError(`job payload: blob ${ref.sha256} does not match its SHA-256 or size`);
}

/**
 * The job back from a validated payload and its blobs, each checked against its SHA-256 unless the
 * caller already did (`verified`: a worker's cache keeps blobs it checked when it fetched them).
 */
export async function decodeTrainingJob(payload: JobPayload, blobs: ReadonlyMap<string, Uint8Array>, verified = false): Promise<TrainingJob> {
  for (const ref of blobRefs(payload)) {
    const bytes = blobs.get(ref.sha256);
    if (!bytes) throw new Error(`job payload: blob ${ref.sha256} is missing`);
    if (!verified) await verifyBlob(ref, bytes);
  }
  // Copies: typed arrays need aligned, unshared buffers.
  const floats = (ref: BlobRef) => new Float32Array(blobs.get(ref.sha256)!.slice().buffer);
  const labels = new Int32Array(blobs.get(payload.data.labels.sha256)!.slice().buffer);
  const numClasses = payload.data.numClasses;
  const bad = labels.findIndex((l) => l < 0 || l >= numClasses);
  if (bad >= 0) throw new InvalidJobError(`job payload: data.labels[${bad}]: expected a class from 0 to ${numClasses - 1}, got ${labels[bad]}`);
  const data: LabeledData = { features: floats(payload.data.features), recordShape: payload.data.recordShape, labels, numClasses };
  return { kind: payload.kind, spec: payload.spec, data, options: payload.options, predict: payload.predict.map((q) => ({ features: floats(q.features), rows: q.rows })) };
}

interface ResultHeader {
  readonly format: typeof RESULT_FORMAT;
  readonly weightsSha256: string;
  readonly summary: TrainSummary;
  readonly posteriors: readonly { readonly rows: number; readonly classes: number }[];
}

/** A result as bytes: a length-prefixed JSON header, then every posterior matrix's float32 values. */
export function encodeTrainingResult(result: TrainingResult): Uint8Array {
  const header: ResultHeader = { format: RESULT_FORMAT, weightsSha256: result.weightsSha256, summary: result.summary, posteriors: result.posteriors.map((p) => ({ rows: p.rows, classes: p.classes })) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = 4 + json.length + ((4 - (json.length % 4)) % 4);
  const out = new Uint8Array(start + result.posteriors.reduce((n, p) => n + p.values.byteLength, 0));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let offset = start;
  for (const p of result.posteriors) {
    out.set(bytesOf(p.values), offset);
    offset += p.values.byteLength;
  }
  return out;
}

/**
 * The result back from its bytes. The weights themselves stay with the worker (only their SHA-256
 * travels: the audit needs the posteriors), so `weights` is empty.
 */
export function decodeTrainingResult(bytes: Uint8Array, key: string): TrainingResult {
  const where = `result of job ${key}`;
  if (bytes.byteLength < 4) throw new Error(`${where}: ${bytes.byteLength} bytes, too short`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.byteLength) throw new Error(`${where}: header of ${length} bytes overruns the ${bytes.byteLength} stored`);
  let header: ResultHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as ResultHeader;
  } catch {
    throw new Error(`${where}: header is not JSON`);
  }
  if (header.format !== RESULT_FORMAT) throw new Error(`${where}: format: expected '${RESULT_FORMAT}', got '${String(header.format)}'`);
  let offset = 4 + length + ((4 - (length % 4)) % 4);
  const posteriors: Posteriors[] = header.posteriors.map(({ rows, classes }) => {
    const size = rows * classes * 4;
    if (offset + size > bytes.byteLength) throw new Error(`${where}: posteriors overrun the ${bytes.byteLength} bytes stored`);
    const values = new Float32Array(bytes.slice(offset, offset + size).buffer);
    offset += size;
    return { values, rows, classes };
  });
  if (offset !== bytes.byteLength) throw new Error(`${where}: ${bytes.byteLength - offset} bytes left over after the posteriors`);
  return { weights: [], weightsSha256: header.weightsSha256, summary: header.summary, posteriors };
}
