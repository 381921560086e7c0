// A deployed model behind HTTP as a TargetModel, in the two protocols model servers speak:
// TensorFlow Serving / KServe v1 (`POST /v1/models/NAME:predict`, {"instances"} -> {"predictions"})
// and the Open Inference Protocol v2 (`POST /v2/models/NAME/infer`, named tensors with shape,
// datatype and row-major data; `GET /v2/models/NAME` for the model's metadata). Runtime-free: only
// the standard fetch, AbortController, setTimeout and Web Crypto (for the cache keys).
//
// Records go out in batches, a few requests at a time, each with a timeout; 429, 5xx, timeouts and
// network errors are retried with exponential backoff (Retry-After honoured; no jitter, so a run's
// request schedule is reproducible). Raw answers are cached per record (SHA-256 of the endpoint
// URL and the record's float32 bytes), so an interrupted audit resumes without asking again, and a
// query budget stops a run before it sends more records than allowed.
import { sha256Hex } from "../util/sha256.js";
import type { Posteriors } from "../types.js";
import { looksLikeProbabilities, toPosteriors } from "./output.js";
import { checkFeatures } from "./shape.js";
import type { OutputChoice, TargetModel } from "./types.js";

export type EndpointProtocol = "v1" | "v2";

/** Raw answers (one output row per record) by record key; see nodeEndpointCache() for disk. */
export interface EndpointCache {
  /** The cached rows for these keys, undefined where none. */
  get(keys: readonly string[]): Promise<Array<readonly number[] | undefined>>;
  /** Stores one batch's answers; a store that persists should do so atomically. */
  put(entries: ReadonlyArray<readonly [key: string, row: readonly number[]]>): Promise<void>;
}

/** An in-memory cache (for one process; the default when none is given is no cache at all). */
export function memoryEndpointCache(): EndpointCache {
  const rows = new Map<string, readonly number[]>();
  return {
    async get(keys) {
      return keys.map((key) => rows.get(key));
    },
    async put(entries) {
      for (const [key, row] of entries) rows.set(key, row);
    },
  };
}

export interface EndpointProgress {
  /** Records of this predict() call answered so far (from the cache or the endpoint). */
  readonly done: number;
  readonly total: number;
  /** Of `done`, how many came from the cache. */
  readonly cached: number;
  /** Records sent to the endpoint by this model so far (what maxQueries counts). */
  readonly queries: number;
  /** Records per second answered by the endpoint in this call (0 before the first answer). */
  readonly rate: number;
  /** Seconds left at that rate (undefined before the first answer). */
  readonly etaSeconds: number | undefined;
}

export interface EndpointOptions {
  /** "v1" or "v2"; read from the URL's path (/v1/models/..., /v2/models/...) when absent. */
  readonly protocol?: EndpointProtocol;
  /** The model's name, when the URL is the server's root rather than the model's path. */
  readonly modelName?: string;
  /** Default "auto": probabilities when the first answers' rows sum to 1, logits otherwise. */
  readonly output?: OutputChoice;
  /** Expected number of classes; otherwise from v2 metadata or the first answer. */
  readonly numClasses?: number;
  /** One record's shape as the model takes it (v1 instances are nested to it; v2's tensor shape). */
  readonly inputShape?: readonly number[];
  /** v2: the input tensor's name (default: from the metadata). */
  readonly inputName?: string;
  /** v2: which output tensor; v1: which key when predictions are objects (default: the only one). */
  readonly outputName?: string;
  /** v2: read GET /v2/models/NAME for the input's name and shape (default true). */
  readonly metadata?: boolean;
  /** Records per request (default 64). */
  readonly batchSize?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Milliseconds per request attempt before it is abandoned and retried (default 30,000). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors (default 4). */
  readonly retries?: number;
  /** First backoff in milliseconds, doubled on each retry (default 500). */
  readonly backoffMs?: number;
  /** Longest wait between attempts, Retry-After included; a longer Retry-After fails (default 60,000). */
  readonly maxWaitMs?: number;
  /** Largest answer body read, in bytes (default 64 MiB); a longer one is EndpointMalformedError. */
  readonly maxResponseBytes?: number;
  /** Most records ever sent to the endpoint (retries count again); default unlimited. */
  readonly maxQueries?: number;
  readonly cache?: EndpointCache;
  /** Sent with every request, e.g. { Authorization: "Bearer ..." }. */
  readonly headers?: Readonly<Record<string, string>>;
  onProgress?(progress: EndpointProgress): void;
  /** Aborts every request in flight and fails predict(). */
  readonly signal?: AbortSignal;
  /** Default globalThis.fetch (a runtime's own, or a wrapper that adds TLS settings, say). */
  readonly fetch?: typeof globalThis.fetch;
}

export const ENDPOINT_DEFAULTS = {
  batchSize: 64,
  concurrency: 4,
  timeoutMs: 30_000,
  retries: 4,
  backoffMs: 500,
  maxWaitMs: 60_000,
  maxResponseBytes: 64 * 1024 * 1024,
} as const;

/** Every endpoint failure names the URL; subclasses say which kind (for callers that branch). */
export class EndpointError extends Error {
  override name = "EndpointError";
  /** The message without the URL. */
  readonly detail: string;
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
    this.detail = message;
  }
}
/** An HTTP error status (after the retries, for 429 and 5xx). */
export class EndpointHttpError extends EndpointError {
  override name = "EndpointHttpError";
  constructor(url: string, readonly status: number, message: string) {
    super(url, message);
  }
}
/** No answer within timeoutMs (after the retries). */
export class EndpointTimeoutError extends EndpointError {
  override name = "EndpointTimeoutError";
}
/** The connection failed or dropped (after the retries). */
export class EndpointNetworkError extends EndpointError {
  override name = "EndpointNetworkError";
}
/** The body is not JSON, or not the protocol's JSON. */
export class EndpointMalformedError extends EndpointError {
  override name = "EndpointMalformedError";
}
/** The answer has the wrong number of rows or classes, or a shape that disagrees with its data. */
export class EndpointShapeError extends EndpointError {
  override name = "EndpointShapeError";
}
/** The records do not fit the model's input (found before anything is sent). */
export class EndpointInputError extends EndpointError {
  override name = "EndpointInputError";
}
/** An answer holds NaN, Infinity or null where a number belongs. */
export class EndpointNonFiniteError extends EndpointError {
  override name = "EndpointNonFiniteError";
}
/** Sending the next records would pass maxQueries. */
export class EndpointBudgetError extends EndpointError {
  override name = "EndpointBudgetError";
}

/** Where a URL points: the request URL, the v2 metadata URL, and the protocol. */
export interface EndpointAddress {
  readonly protocol: EndpointProtocol;
  readonly inferUrl: string;
  readonly metadataUrl?: string;
}

/**
 * Reads the protocol and model path from a URL: .../v1/models/NAME[:predict],
 * .../v2/models/NAME[/versions/V][/infer], or a server root plus options.modelName and protocol.
 */
export function resolveEndpoint(url: string, options: Pick<EndpointOptions, "protocol" | "modelName"> = {}): EndpointAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EndpointError(url, "not a URL: expected http(s)://host/v1/models/NAME:predict or http(s)://host/v2/models/NAME/infer");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new EndpointError(url, `scheme ${parsed.protocol} is not supported: expected http: or https:`);
  }
  const path = parsed.pathname.replace(/\/+$/, "");
  const suffix = parsed.search;
  const at = (p: string) => `${parsed.origin}${p}${suffix}`;
  const v1 = /^(.*\/v1\/models\/[^/:]+(?:\/versions\/[^/:]+|\/labels\/[^/:]+)?)(:predict)?$/.exec(path);
  const v2 = /^(.*\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?)(\/infer)?$/.exec(path);
  const found: EndpointAddress | undefined = v1
    ? { protocol: "v1", inferUrl: at(`${v1[1]}:predict`) }
    : v2
      ? { protocol: "v2", inferUrl: at(`${v2[1]}/infer`), metadataUrl: at(v2[1]!) }
      : undefined;
  if (found) {
    if (options.protocol !== undefined && options.protocol !== found.protocol) {
      throw new EndpointError(url, `the URL is a ${found.protocol} endpoint but protocol ${options.protocol} was asked for`);
    }
    if (options.modelName !== undefined) throw new EndpointError(url, "the URL already names the model: drop modelName, or give the server's root URL");
    return found;
  }
  if (options.protocol === undefined || options.modelName === undefined) {
    throw new EndpointError(
      url,
      "cannot tell the protocol from the path: give .../v1/models/NAME:predict or .../v2/models/NAME/infer, or the server's root with protocol (v1|v2) and modelName",
    );
  }
  const name = encodeURIComponent(options.modelName);
  return options.protocol === "v1"
    ? { protocol: "v1", inferUrl: at(`${path}/v1/models/${name}:predict`) }
    : { protocol: "v2", inferUrl: at(`${path}/v2/models/${name}/infer`), metadataUrl: at(`${path}/v2/models/${name}`) };
}

export interface EndpointModel extends TargetModel {
  readonly source: "endpoint-v1" | "endpoint-v2";
  readonly protocol: EndpointProtocol;
  /** Records answered from the cache so far. */
  readonly cacheHits: number;
  /** HTTP requests made so far, retries and metadata included. */
  readonly requests: number;
}

/** Opens an endpoint (v2: reads its metadata unless options.metadata is false or input name and shape are given). */
export async function openEndpointModel(url: string, options: EndpointOptions = {}): Promise<EndpointModel> {
  const address = resolveEndpoint(url, options);
  const settings = {
    batchSize: positiveInteger(options.batchSize, "batchSize", ENDPOINT_DEFAULTS.batchSize),
    concurrency: positiveInteger(options.concurrency, "concurrency", ENDPOINT_DEFAULTS.concurrency),
    timeoutMs: positiveNumber(options.timeoutMs, "timeoutMs", ENDPOINT_DEFAULTS.timeoutMs),
    retries: nonNegativeInteger(options.retries, "retries", ENDPOINT_DEFAULTS.retries),
    backoffMs: nonNegativeNumber(options.backoffMs, "backoffMs", ENDPOINT_DEFAULTS.backoffMs),
    maxWaitMs: nonNegativeNumber(options.maxWaitMs, "maxWaitMs", ENDPOINT_DEFAULTS.maxWaitMs),
    maxResponseBytes: positiveInteger(options.maxResponseBytes, "maxResponseBytes", ENDPOINT_DEFAULTS.maxResponseBytes),
    maxQueries: options.maxQueries === undefined ? Infinity : nonNegativeInteger(options.maxQueries, "maxQueries", 0),
  };
  if (options.numClasses !== undefined && !(Number.isInteger(options.numClasses) && options.numClasses >= 2)) {
    throw new Error(`openEndpointModel: numClasses must be an integer of at least 2, got ${options.numClasses}`);
  }
  if (options.inputShape !== undefined && !validShape(options.inputShape)) {
    throw new Error(`openEndpointModel: inputShape must be positive integers, got ${JSON.stringify(options.inputShape)}`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw new Error("openEndpointModel: this runtime has no fetch(); pass options.fetch");
  const client = new EndpointClient(address, settings, fetchImpl, options);
  if (address.protocol === "v2" && options.metadata !== false && (options.inputName === undefined || options.inputShape === undefined)) {
    await client.readMetadata();
  }
  return client.model();
}

interface Settings {
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxWaitMs: number;
  maxResponseBytes: number;
  maxQueries: number;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

class EndpointClient {
  readonly url: string;
  inputName: string | undefined;
  inputShape: readonly number[] | undefined;
  numClasses: number;
  outputKind: OutputChoice;
  queries = 0;
  cacheHits = 0;
  requests = 0;

  constructor(
    readonly address: EndpointAddress,
    readonly settings: Settings,
    readonly fetchImpl: typeof globalThis.fetch,
    readonly options: EndpointOptions,
  ) {
    this.url = address.inferUrl;
    this.inputName = options.inputName;
    this.inputShape = options.inputShape;
    this.numClasses = options.numClasses ?? 0;
    this.outputKind = options.output ?? "auto";
  }

  model(): EndpointModel {
    const client = this;
    return {
      kind: "endpoint",
      source: this.address.protocol === "v1" ? "endpoint-v1" : "endpoint-v2",
      protocol: this.address.protocol,
      location: this.url,
      get numClasses() {
        return client.numClasses;
      },
      get inputShape() {
        return client.inputShape;
      },
      get outputKind() {
        return client.outputKind;
      },
      get queries() {
        return client.queries;
      },
      get cacheHits() {
        return client.cacheHits;
      },
      get requests() {
        return client.requests;
      },
      predict: (features, rows) => this.predict(features, rows),
      dispose: async () => {},
    };
  }

  /** v2 model metadata: the input's name and per-record shape, the output's class count. */
  async readMetadata(): Promise<void> {
    const where = this.address.metadataUrl!;
    const body = await this.request(where, { method: "GET" }, "metadata");
    if (!isObject(body) || !Array.isArray(body.inputs) || body.inputs.length === 0) {
      throw new EndpointMalformedError(where, `metadata must be an object with a non-empty "inputs" array, got ${describe(body)}`);
    }
    let input = body.inputs[0] as unknown;
    if (this.inputName !== undefined) {
      input = body.inputs.find((i: unknown) => isObject(i) && i.name === this.inputName);
      if (input === undefined) throw new EndpointShapeError(where, `the model has no input '${this.inputName}' (it has ${names(body.inputs)})`);
    } else if (body.inputs.length > 1) {
      throw new EndpointShapeError(where, `the model has ${body.inputs.length} inputs (${names(body.inputs)}): say which with inputName`);
    }
    if (!isObject(input) || typeof input.name !== "string" || !Array.isArray(input.shape)) {
      throw new EndpointMalformedError(where, `metadata inputs[0] must have a name and a shape, got ${describe(input)}`);
    }
    this.inputName = input.name;
    // The first axis is the batch (-1 when variable); the rest is one record's shape.
    const recordShape = (input.shape as unknown[]).slice(1);
    if (this.inputShape === undefined && recordShape.length > 0 && recordShape.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)) {
      this.inputShape = recordShape as number[];
    }
    if (Array.isArray(body.outputs) && this.numClasses === 0) {
      const output = this.options.outputName === undefined ? (body.outputs.length === 1 ? body.outputs[0] : undefined) : body.outputs.find((o: unknown) => isObject(o) && o.name === this.options.outputName);
      const classes = isObject(output) && Array.isArray(output.shape) ? output.shape[output.shape.length - 1] : undefined;
      if (typeof classes === "number" && Number.isInteger(classes) && classes >= 2) this.numClasses = classes;
    }
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    if (this.inputShape !== undefined) {
      try {
        checkFeatures(features, rows, this.inputShape, this.url);
      } catch (error) {
        throw new EndpointInputError(this.url, (error as Error).message.slice(this.url.length + 2));
      }
    }
    if (!(Number.isInteger(rows) && rows > 0) || features.length % rows !== 0) {
      throw new EndpointInputError(this.url, `predict got ${features.length} feature values for ${rows} rows`);
    }
    const recordSize = features.length / rows;
    const cache = this.options.cache;
    const keys = cache ? await recordKeys(this.url, features, rows, recordSize) : [];
    const raw: Array<readonly number[] | undefined> = cache ? await cache.get(keys) : new Array(rows).fill(undefined);
    const missing: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = raw[r];
      if (row === undefined) missing.push(r);
      else this.checkClasses(row.length, `cached answer for row ${r}`);
    }
    const cached = rows - missing.length;
    this.cacheHits += cached;
    if (this.queries + missing.length > this.settings.maxQueries) {
      throw new EndpointBudgetError(
        this.url,
        `query budget: ${missing.length} records need answers but ${this.queries} of maxQueries ${this.settings.maxQueries} are used; nothing was sent for this call (raise maxQueries, or resume with the same cache)`,
      );
    }
    const batches: number[][] = [];
    for (let at = 0; at < missing.length; at += this.settings.batchSize) batches.push(missing.slice(at, at + this.settings.batchSize));
    const started = Date.now();
    let answered = 0;
    const report = () => {
      if (!this.options.onProgress) return;
      const seconds = (Date.now() - started) / 1000;
      const rate = answered > 0 && seconds > 0 ? answered / seconds : 0;
      this.options.onProgress({ done: cached + answered, total: rows, cached, queries: this.queries, rate, etaSeconds: rate > 0 ? (missing.length - answered) / rate : undefined });
    };
    report();
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < batches.length) {
        const batch = batches[next++]!;
        const answers = await this.queryBatch(features, recordSize, batch);
        for (const [i, r] of batch.entries()) raw[r] = answers[i]!;
        await cache?.put(batch.map((r, i) => [keys[r]!, answers[i]!] as const));
        answered += batch.length;
        report();
      }
    };
    const workers = Array.from({ length: Math.min(this.settings.concurrency, batches.length) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    );
    const results = await Promise.allSettled(workers);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    const classes = this.numClasses;
    const flat = new Float64Array(rows * classes);
    for (let r = 0; r < rows; r++) flat.set(raw[r]!, r * classes);
    if (this.outputKind === "auto") this.outputKind = looksLikeProbabilities(flat, rows, classes) ? "probabilities" : "logits";
    return toPosteriors(flat, rows, classes, this.outputKind, this.url).posteriors;
  }

  private checkClasses(classes: number, what: string): void {
    if (this.numClasses === 0) {
      if (classes < 2) throw new EndpointShapeError(this.url, `${what} has ${classes} values per record: expected one per class, at least 2`);
      this.numClasses = classes;
    } else if (classes !== this.numClasses) {
      throw new EndpointShapeError(this.url, `${what} has ${classes} values per record, expected ${this.numClasses} (one per class)`);
    }
  }

  /** One batch through the endpoint, with the budget checked before every attempt. */
  private async queryBatch(features: Float32Array, recordSize: number, batch: readonly number[]): Promise<number[][]> {
    const records = batch.map((r) => features.subarray(r * recordSize, (r + 1) * recordSize));
    const body = this.address.protocol === "v1" ? this.v1Body(records) : this.v2Body(records, recordSize);
    const answer = await this.request(this.url, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }, "predict", batch.length);
    const rows = this.address.protocol === "v1" ? this.v1Rows(answer, batch.length) : this.v2Rows(answer, batch.length);
    for (const [i, row] of rows.entries()) {
      for (const [c, v] of row.entries()) {
        if (!Number.isFinite(v)) {
          throw new EndpointNonFiniteError(this.url, `the answer for record ${batch[i]} has ${v === null ? "null (how JSON writes NaN and Infinity)" : String(v)} at class ${c}; expected finite numbers`);
        }
      }
    }
    return rows;
  }

  private v1Body(records: Float32Array[]): unknown {
    const shape = this.inputShape;
    return { instances: records.map((record) => (shape && shape.length > 1 ? nest(record, shape) : Array.from(record))) };
  }

  private v2Body(records: Float32Array[], recordSize: number): unknown {
    const data = new Array<number>(records.length * recordSize);
    for (const [i, record] of records.entries()) for (let j = 0; j < recordSize; j++) data[i * recordSize + j] = record[j]!;
    return { inputs: [{ name: this.inputName ?? "input-0", shape: [records.length, ...(this.inputShape ?? [recordSize])], datatype: "FP32", data }] };
  }

  private v1Rows(answer: unknown, expected: number): number[][] {
    if (!isObject(answer) || !Array.isArray(answer.predictions)) {
      throw new EndpointMalformedError(this.url, `expected {"predictions": [...]}, got ${describe(answer)}`);
    }
    const predictions = answer.predictions as unknown[];
    if (predictions.length !== expected) throw new EndpointShapeError(this.url, `sent ${expected} instances but got ${predictions.length} predictions`);
    return predictions.map((prediction, i) => {
      let row = prediction;
      if (isObject(prediction)) {
        const keys = Object.keys(prediction);
        const key = this.options.outputName ?? (keys.length === 1 ? keys[0] : undefined);
        if (key === undefined || !(key in prediction)) {
          throw new EndpointShapeError(this.url, `predictions[${i}] has outputs ${keys.join(", ")}: say which with outputName`);
        }
        row = prediction[key];
      }
      const flat = flatten(row, `predictions[${i}]`, this.url);
      this.checkClasses(flat.length, `predictions[${i}]`);
      return flat;
    });
  }

  private v2Rows(answer: unknown, expected: number): number[][] {
    if (!isObject(answer) || !Array.isArray(answer.outputs) || answer.outputs.length === 0) {
      throw new EndpointMalformedError(this.url, `expected {"outputs": [{"name", "shape", "datatype", "data"}]}, got ${describe(answer)}`);
    }
    const outputs = answer.outputs as unknown[];
    const wanted = this.options.outputName;
    const output = wanted === undefined ? (outputs.length === 1 ? outputs[0] : undefined) : outputs.find((o) => isObject(o) && o.name === wanted);
    if (output === undefined) {
      throw new EndpointShapeError(this.url, wanted === undefined ? `the answer has ${outputs.length} outputs (${names(outputs)}): say which with outputName` : `the answer has no output '${wanted}' (it has ${names(outputs)})`);
    }
    if (!isObject(output) || !Array.isArray(output.shape) || !Array.isArray(output.data)) {
      throw new EndpointMalformedError(this.url, `an output must have "shape" and "data" arrays, got ${describe(output)}`);
    }
    const shape = output.shape as unknown[];
    if (!shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) throw new EndpointMalformedError(this.url, `output shape ${JSON.stringify(shape)} is not a list of sizes`);
    const dims = shape as number[];
    if (dims.length < 1 || dims[0] !== expected) throw new EndpointShapeError(this.url, `sent ${expected} records but the output's shape is [${dims.join(", ")}]`);
    const data = flatten(output.data, "output data", this.url);
    if (data.length !== product(dims)) throw new EndpointShapeError(this.url, `output shape [${dims.join(", ")}] holds ${product(dims)} values but data has ${data.length}`);
    const classes = expected === 0 ? 0 : data.length / expected;
    this.checkClasses(classes, "the output");
    return Array.from({ length: expected }, (_, i) => data.slice(i * classes, (i + 1) * classes));
  }

  /**
   * One HTTP exchange with retries: 429, 5xx, timeouts and network errors wait backoffMs * 2^attempt
   * (or Retry-After when longer) and try again, up to `retries` times. `records` counts against the
   * budget on every attempt: the server may have computed an answer we never received.
   */
  async request(url: string, init: RequestInit, what: string, records = 0): Promise<unknown> {
    const { retries, backoffMs, maxWaitMs, timeoutMs, maxQueries } = this.settings;
    let lastError: EndpointError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const retryAfter = lastError instanceof RetryableStatus ? lastError.retryAfterMs : undefined;
        const wait = Math.max(Math.min(backoffMs * 2 ** (attempt - 1), maxWaitMs), retryAfter ?? 0);
        if (wait > maxWaitMs) throw new EndpointHttpError(url, (lastError as RetryableStatus).status, `asks to retry after ${wait / 1000} s, longer than maxWaitMs ${maxWaitMs} ms (${lastError!.detail})`);
        await sleep(wait, this.options.signal);
      }
      if (records > 0 && this.queries + records > maxQueries) {
        throw new EndpointBudgetError(url, `query budget: the next request (${records} records) would pass maxQueries ${maxQueries} (${this.queries} used, retries included)`);
      }
      this.queries += records;
      this.requests++;
      try {
        return await this.attempt(url, init, what, timeoutMs);
      } catch (error) {
        if (!(error instanceof RetryableStatus || error instanceof EndpointTimeoutError || error instanceof EndpointNetworkError)) throw error;
        lastError = error;
      }
    }
    const tries = `${retries + 1} attempt${retries === 0 ? "" : "s"}`;
    if (lastError instanceof RetryableStatus) throw new EndpointHttpError(url, lastError.status, `${what} failed after ${tries}: ${lastError.detail}`);
    if (lastError instanceof EndpointTimeoutError) throw new EndpointTimeoutError(url, `${what} failed after ${tries}: no answer within timeoutMs ${timeoutMs} ms`);
    throw new EndpointNetworkError(url, `${what} failed after ${tries}: ${lastError!.detail}`);
  }

  private async attempt(url: string, init: RequestInit, what: string, timeoutMs: number): Promise<unknown> {
    const controller = new AbortController();
    const outer = this.options.signal;
    if (outer?.aborted) throw outer.reason;
    const stop = () => controller.abort(outer!.reason);
    outer?.addEventListener("abort", stop, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(url, { ...init, headers: { Accept: "application/json", ...(init.headers as Record<string, string>), ...this.options.headers }, signal: controller.signal });
      } catch (error) {
        throw this.transportError(url, error, timedOut);
      }
      let text: string;
      try {
        text = await readText(response, this.settings.maxResponseBytes, url);
      } catch (error) {
        if (error instanceof EndpointError) throw error;
        throw this.transportError(url, error, timedOut);
      }
      if (!response.ok) {
        const detail = `HTTP ${response.status}${serverMessage(text)}`;
        if (RETRYABLE(response.status)) throw new RetryableStatus(url, response.status, detail, parseRetryAfter(response.headers.get("retry-after")));
        throw new EndpointHttpError(url, response.status, `${what} refused: ${detail}`);
      }
      try {
        return JSON.parse(text);
      } catch (error) {
        if (/\b(NaN|-?Infinity)\b/.test(text)) throw new EndpointNonFiniteError(url, `the ${what} answer contains NaN or Infinity, which JSON cannot carry; the model output non-finite values`);
        throw new EndpointMalformedError(url, `the ${what} answer is not valid JSON (${(error as Error).message}); it starts ${JSON.stringify(text.slice(0, 80))}`);
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", stop);
    }
  }

  private transportError(url: string, error: unknown, timedOut: boolean): Error {
    if (timedOut) return new EndpointTimeoutError(url, `no answer within ${this.settings.timeoutMs} ms`);
    if (this.options.signal?.aborted) return this.options.signal.reason instanceof Error ? this.options.signal.reason : new Error(String(this.options.signal.reason));
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = `${(error as Error).message ?? String(error)}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ""}`;
    return new EndpointNetworkError(url, detail);
  }
}

/** A 429 or 5xx answer, kept until the retries run out. */
class RetryableStatus extends EndpointError {
  constructor(
    url: string,
    readonly status: number,
    detail: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(url, detail);
  }
}

/** The body as UTF-8, refused as soon as it passes maxBytes (declared or streamed). */
async function readText(response: Response, maxBytes: number, url: string): Promise<string> {
  const tooLong = (size: string) => new EndpointMalformedError(url, `the answer is ${size} bytes, more than maxResponseBytes ${maxBytes}`);
  const declared = response.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLong(declared);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLong(`over ${maxBytes}`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Retry-After: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** SHA-256 of the endpoint URL then the record's float32 bytes: the cache key of one answer. */
async function recordKeys(url: string, features: Float32Array, rows: number, recordSize: number): Promise<string[]> {
  const prefix = new TextEncoder().encode(`${url}\n`);
  const recordBytes = recordSize * 4;
  const keyOf = (r: number) => {
    const buffer = new Uint8Array(prefix.length + recordBytes);
    buffer.set(prefix);
    buffer.set(new Uint8Array(features.buffer, features.byteOffset + r * recordBytes, recordBytes), prefix.length);
    return sha256Hex(buffer);
  };
  // Digests run in parallel (Web Crypto is asynchronous); chunks bound the buffers alive at once.
  const keys: string[] = [];
  for (let at = 0; at < rows; at += 256) {
    keys.push(...(await Promise.all(Array.from({ length: Math.min(256, rows - at) }, (_, i) => keyOf(at + i)))));
  }
  return keys;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/** Nested numbers to a flat row; null (JSON's NaN/Infinity) is kept for the finiteness check. */
function flatten(value: unknown, what: string, url: string): number[] {
  const out: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      if (depth > 32) throw new EndpointMalformedError(url, `${what} is nested more than 32 deep`);
      for (const x of v) walk(x, depth + 1);
    } else if (typeof v === "number" || v === null) out.push(v as number);
    else throw new EndpointMalformedError(url, `${what} holds ${describe(v)}; expected numbers`);
  };
  walk(value, 0);
  return out;
}

function nest(record: Float32Array, shape: readonly number[]): unknown {
  const build = (offset: number, axis: number): unknown => {
    if (axis === shape.length - 1) return Array.from(record.subarray(offset, offset + shape[axis]!));
    const stride = product(shape.slice(axis + 1));
    return Array.from({ length: shape[axis]! }, (_, i) => build(offset + i * stride, axis + 1));
  };
  return build(0, 0);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validShape(shape: readonly number[]): boolean {
  return shape.length > 0 && shape.every((d) => Number.isInteger(d) && d > 0);
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (isObject(body) && typeof body.error === "string") return `: ${body.error.slice(0, 200)}`;
  } catch {
    // not JSON: quote the start of the text below
  }
  return text.trim() === "" ? "" : `: ${text.trim().slice(0, 200)}`;
}

function names(items: unknown[]): string {
  return items.map((i) => (isObject(i) && typeof i.name === "string" ? `'${i.name}'` : "?")).join(", ");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value)}`;
  if (typeof value === "object") return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  if (value === undefined) return "nothing";
  return `${typeof value} ${String(value)}`;
}

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`openEndpointModel: ${name} must be a positive integer, got ${value}`);
  return value;
}
function nonNegativeInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 0)) throw new Error(`openEndpointModel: ${name} must be an integer of 0 or more, got ${value}`);
  return value;
}
function positiveNumber(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`openEndpointModel: ${name} must be a positive number, got ${value}`);
  return value;
}
function nonNegativeNumber(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`openEndpointModel: ${name} must be a number of 0 or more, got ${value}`);
  return value;
}
