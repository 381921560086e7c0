// The edge leakage check: a standard fetch(request) => Promise<Response> handler that touches no
// runtime API (only Request, Response, streams, TextDecoder and WebAssembly), so the same code
// serves from Deno.serve, Node (src/adapters/node/http.ts), Cloudflare-style workers or a browser
// service worker. POST the target's posteriors on known members and non-members; get back the
// threshold and metric attacks' results. Every bad request gets a 4xx JSON error naming the problem.
// The other request form names a deployed model's URL (TF Serving/KServe v1 or Open Inference v2)
// and sends the records themselves: the handler queries the model for their posteriors, then runs
// the same audit. Servers opt in to it with allowModelUrl (it makes the handler fetch URLs).
import { DEFAULT_MAX_QUERIES, predictedLabels, type BoundaryQueries } from "../attacks/boundary.js";
import { auditPosteriors, LABEL_QUERY_ATTACKS, normalizePosteriorsInput, POSTERIOR_ATTACKS, type PosteriorAttackName } from "../audit-posteriors.js";
import { canonicalJson } from "../report/json.js";
import { summarizeReport } from "../report/summary.js";
import { EndpointError, EndpointInputError, openEndpointModel, type EndpointOptions, type EndpointProtocol } from "../targets/endpoint.js";
import type { OutputChoice } from "../targets/types.js";
import type { Posteriors } from "../types.js";
import { DEFAULT_MAX_DEPTH, JsonDepthError, JsonDepthScanner } from "./json-scan.js";

export interface LeakageHandlerOptions {
  /** Largest request body accepted, in bytes, enforced while the body streams in (default 8 MiB). */
  readonly maxBodyBytes?: number;
  /** Most rows accepted per side, members and non-members each (default 100,000). */
  readonly maxRows?: number;
  /** Most classes per posterior row (default 1,000). */
  readonly maxClasses?: number;
  /** Most feature values per record in the model-URL form (default 100,000). */
  readonly maxFeatures?: number;
  /** Deepest JSON nesting accepted, checked while the body streams in (default 8; the forms need 4). */
  readonly maxDepth?: number;
  /** Most milliseconds to receive the whole body (default 30,000): a stalled upload gets 408. */
  readonly bodyTimeoutMs?: number;
  /** The one path answered (default "/"); every other path is 404. */
  readonly path?: string;
  /**
   * Which model URLs the model-URL form may query. Absent: the form is refused (403), since it
   * makes this server send requests wherever a caller points it.
   */
  readonly allowModelUrl?: (url: URL) => boolean;
  /** Batching, timeouts, retries and so on for model queries (the request may set batchSize only). */
  readonly endpoint?: Omit<EndpointOptions, "protocol" | "modelName" | "output" | "inputShape" | "inputName" | "outputName" | "headers">;
  /**
   * Answers a body elsewhere, so that parsing and auditing it do not hold up other requests (the
   * Node server injects a worker_threads pool: src/adapters/node/edge-pool.ts). It must answer as
   * answerLeakageBody(body, options) would, and throw ServerBusyError when it cannot take more.
   */
  readonly offload?: (body: Uint8Array) => Promise<LeakageAnswer>;
  /** Bodies up to this size are answered in place even with offload (default 64 KiB: a few ms of work). */
  readonly offloadAboveBytes?: number;
}

/** A response as plain data, so that a worker can compute it and post it back. */
export interface LeakageAnswer {
  readonly status: number;
  /** The JSON text of the response. */
  readonly body: string;
}

/** What offload throws when its queue is full: the request is answered 503 with Retry-After. */
export class ServerBusyError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export const DEFAULT_LIMITS = { maxBodyBytes: 8 * 1024 * 1024, maxRows: 100_000, maxClasses: 1_000, maxFeatures: 100_000, maxDepth: DEFAULT_MAX_DEPTH, bodyTimeoutMs: 30_000, offloadAboveBytes: 64 * 1024 } as const;

/** Model URLs starting with one of these prefixes (for `mlleaks serve --allow-model-url`). */
export function allowModelUrlPrefixes(prefixes: readonly string[]): (url: URL) => boolean {
  return (url) => prefixes.some((prefix) => url.href.startsWith(prefix));
}

/** A request the handler refuses: status and a message that names the field and what was expected. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  // Canonical JSON: non-finite numbers (an Infinity threshold) spelled out, as the result schema has them.
  return new Response(canonicalJson(body), { status, headers: { ...JSON_HEADERS, ...extra } });
}

/** The most label queries a record the model-URL form may ask for (the handler sends them all). */
export const MAX_BOUNDARY_QUERIES = 10_000;

export const USAGE = {
  method: "POST",
  contentType: "application/json",
  body: {
    members: { posteriors: "number[][] (rows x classes, each row sums to about 1)", labels: "integer[] (optional; loss, modified-entropy and correctness need both sides' labels)" },
    nonMembers: { posteriors: "number[][]", labels: "integer[] (optional)" },
    noise: { posteriors: "number[][] (optional: the target's answers on random noise queries, for adversary 3's threshold)" },
    population: { posteriors: "number[][] (optional: the target's answers on records it never trained on, for attack-p)", labels: "integer[] (required with population)" },
    attacks: `optional subset of ${POSTERIOR_ATTACKS.join(", ")}`,
    alpha: "optional number in (0, 1): the FPR attack-p aims at (default 0.01)",
    topPercentile: "optional number in (0, 100): threshold at this top percentile (default 10)",
    roc: "optional boolean: include each attack's ROC points",
  },
  modelForm: {
    model: { url: "string: .../v1/models/NAME:predict or .../v2/models/NAME/infer (the server must allow it)", protocol: "optional v1 | v2 (with a server-root url and modelName)", modelName: "optional string", output: "optional auto | probabilities | logits", inputShape: "optional integer[]: one record's shape", inputName: "optional string (v2)", outputName: "optional string", headers: "optional object of strings, e.g. Authorization", batchSize: "optional integer" },
    members: { features: "number[][] (rows x features, as the model takes them)", labels: "integer[] (optional)" },
    nonMembers: { features: "number[][]", labels: "integer[] (optional)" },
    population: { features: "number[][] (optional, for attack-p)", labels: "integer[] (required with population)" },
    attacks: `as above, plus ${LABEL_QUERY_ATTACKS.join(", ")} (asked for by name only: it queries the model for labels, up to boundaryQueries a record)`,
    boundaryQueries: `optional integer from 1 to ${MAX_BOUNDARY_QUERIES}: label-only-boundary's label queries per record (default ${DEFAULT_MAX_QUERIES})`,
    alpha: "as above",
    topPercentile: "as above",
    roc: "as above",
  },
};

/** Builds a handler with the given limits. */
export function createLeakageHandler(options: LeakageHandlerOptions = {}): (request: Request) => Promise<Response> {
  const body = {
    maxBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    timeoutMs: options.bodyTimeoutMs ?? DEFAULT_LIMITS.bodyTimeoutMs,
  };
  const path = options.path ?? "/";
  const offloadAbove = options.offloadAboveBytes ?? DEFAULT_LIMITS.offloadAboveBytes;
  return async (request: Request): Promise<Response> => {
    try {
      // The URL parser has already resolved dot segments: /admin/../etc/passwd is /etc/passwd here.
      const requested = new URL(request.url).pathname;
      if (requested !== path) throw new RequestError(404, `no such path ${JSON.stringify(requested.slice(0, 200))}: POST to ${path}`);
      if (request.method === "GET" || request.method === "HEAD") {
        return json(405, { error: "use POST with a JSON body", usage: USAGE }, { Allow: "POST" });
      }
      if (request.method !== "POST") throw new RequestError(405, `method ${request.method} is not allowed: use POST`);
      const type = request.headers.get("content-type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new RequestError(415, `Content-Type must be application/json, got ${type === "" ? "none" : `'${type}'`}`);
      }
      const bytes = await readBody(request, body);
      const answer = options.offload && bytes.byteLength > offloadAbove ? await options.offload(bytes) : await answerLeakageBody(bytes, options);
      return new Response(answer.body, { status: answer.status, headers: JSON_HEADERS });
    } catch (error) {
      if (error instanceof ServerBusyError) {
        return json(503, { error: `server busy: ${error.message}; retry after ${error.retryAfterSeconds} s` }, { "Retry-After": String(error.retryAfterSeconds) });
      }
      return json(...errorAnswer(error), error instanceof RequestError && error.status === 405 ? { Allow: "POST" } : {});
    }
  };
}

function errorAnswer(error: unknown): [status: number, body: { error: string }] {
  if (error instanceof RequestError) return [error.status, { error: error.message }];
  return [500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` }];
}

/**
 * The work of a request once its body is read: decodes, parses and checks it, queries the model
 * (model-URL form), runs the audit. Every outcome is an answer, errors included; this is what a
 * worker runs for the handler's offload.
 */
export async function answerLeakageBody(bytes: Uint8Array, options: LeakageHandlerOptions = {}): Promise<LeakageAnswer> {
  const limits: Limits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    maxRows: options.maxRows ?? DEFAULT_LIMITS.maxRows,
    maxClasses: options.maxClasses ?? DEFAULT_LIMITS.maxClasses,
    maxFeatures: options.maxFeatures ?? DEFAULT_LIMITS.maxFeatures,
  };
  try {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new RequestError(400, "body is not valid UTF-8");
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new RequestError(400, `body is not valid JSON: ${(error as Error).message}`);
    }
    let model: (() => ModelAnswer) | undefined;
    let input: LeakageRequest;
    if (isObject(parsed) && parsed.model !== undefined) {
      const modelRequest = parseModelRequest(parsed, limits);
      if (!options.allowModelUrl?.(modelRequest.url)) {
        throw new RequestError(403, `model.url ${modelRequest.url.href} is not allowed by this server (it queries only the model URLs it was configured for)`);
      }
      const queried = await queryModel(modelRequest, options.endpoint ?? {});
      input = queried.input;
      model = queried.model;
    } else {
      input = parseLeakageRequest(parsed, limits);
    }
    try {
      // What the shape checks above let through but the audit's own checks refuse (rows that
      // do not sum to about 1, say) is still the caller's to fix.
      normalizePosteriorsInput(input);
    } catch (error) {
      throw new RequestError(422, (error as Error).message);
    }
    const report = await auditPosteriors(input).catch((error: unknown) => {
      // The boundary search queries the model while it runs: its failures are the model's.
      if (error instanceof EndpointInputError) throw new RequestError(422, `model: ${error.message}`);
      if (error instanceof EndpointError) throw new RequestError(502, `model endpoint: ${error.message}`);
      throw error;
    });
    return { status: 200, body: canonicalJson({ ...summarizeReport(report, { roc: input.roc === true }), ...(model ? { model: model() } : {}) }) };
  } catch (error) {
    const [status, body] = errorAnswer(error);
    return { status, body: canonicalJson(body) };
  }
}

/**
 * Reads the body's bytes, refusing it as soon as it passes maxBytes (413: a declared
 * Content-Length is checked before reading), nests deeper than maxDepth (400, found by a scan of
 * each chunk as it arrives, before anything is parsed) or takes longer than timeoutMs (408).
 */
async function readBody(request: Request, limits: { maxBytes: number; maxDepth: number; timeoutMs: number }): Promise<Uint8Array> {
  const { maxBytes } = limits;
  const tooLarge = (n: string) => new RequestError(413, `body is ${n} bytes, more than the limit of ${maxBytes}`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(declared);
  if (request.body === null) throw new RequestError(400, "body is empty: expected a JSON object");
  const reader = request.body.getReader();
  const scanner = new JsonDepthScanner(limits.maxDepth);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestError(408, `body not received within ${limits.timeoutMs} ms`)), limits.timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(`over ${maxBytes}`);
      scanner.push(value);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof JsonDepthError) throw new RequestError(400, `body is refused: ${error.message}; the request forms nest 4 levels`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (size === 0) throw new RequestError(400, "body is empty: expected a JSON object");
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

type Limits = Required<Pick<LeakageHandlerOptions, "maxBodyBytes" | "maxRows" | "maxClasses" | "maxFeatures">>;

/** What the response says about the queried model. */
interface ModelAnswer {
  url: string;
  protocol: EndpointProtocol;
  outputKind: OutputChoice;
  queries: number;
}

export interface ModelLeakageRequest {
  url: URL;
  endpoint: Pick<EndpointOptions, "protocol" | "modelName" | "output" | "inputShape" | "inputName" | "outputName" | "headers" | "batchSize">;
  members: { features: Float32Array; rows: number; labels?: Int32Array };
  nonMembers: { features: Float32Array; rows: number; labels?: Int32Array };
  population?: { features: Float32Array; rows: number; labels?: Int32Array };
  auditOptions: AuditRequestOptions;
  /** label-only-boundary's label queries per record, when it is asked for. */
  boundaryQueries: number;
}

type AuditRequestOptions = Pick<LeakageRequest, "attacks" | "topPercentile" | "alpha" | "roc">;

const MODEL_FIELDS = new Set(["url", "protocol", "modelName", "output", "inputShape", "inputName", "outputName", "headers", "batchSize"]);

const MODEL_FORM_FIELDS = ["model", "members", "nonMembers", "population", "attacks", "boundaryQueries", "topPercentile", "alpha", "roc"];

/** The model-URL form: {model, members: {features, labels?}, nonMembers: {...}, population?, attacks?, boundaryQueries?, topPercentile?, alpha?, roc?}. */
export function parseModelRequest(body: Record<string, unknown>, limits: Limits): ModelLeakageRequest {
  for (const key of Object.keys(body)) {
    if (!MODEL_FORM_FIELDS.includes(key)) throw new RequestError(422, `unknown field '${key}' in the model form: expected ${MODEL_FORM_FIELDS.join(", ")}`);
  }
  const spec = body.model;
  if (!isObject(spec)) throw new RequestError(422, `model must be an object {"url": string, ...}, got ${describe(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!MODEL_FIELDS.has(key)) throw new RequestError(422, `model: unknown field '${key}': expected ${[...MODEL_FIELDS].join(", ")}`);
  }
  if (typeof spec.url !== "string") throw new RequestError(422, `model.url must be a string, got ${describe(spec.url)}`);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new RequestError(422, `model.url is not a URL: ${JSON.stringify(spec.url.slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RequestError(422, `model.url must be http: or https:, got ${url.protocol}`);
  const endpoint: ModelLeakageRequest["endpoint"] = {};
  const choice = (name: string, allowed: readonly string[]) => {
    const v = spec[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !allowed.includes(v)) throw new RequestError(422, `model.${name} is ${describe(v)}: expected one of ${allowed.join(", ")}`);
    return v;
  };
  const text = (name: string) => {
    const v = spec[name];
    if (v !== undefined && typeof v !== "string") throw new RequestError(422, `model.${name} must be a string, got ${describe(v)}`);
    return v as string | undefined;
  };
  const protocol = choice("protocol", ["v1", "v2"]);
  if (protocol) Object.assign(endpoint, { protocol });
  const output = choice("output", ["auto", "probabilities", "logits"]);
  if (output) Object.assign(endpoint, { output });
  for (const name of ["modelName", "inputName", "outputName"] as const) {
    const v = text(name);
    if (v !== undefined) Object.assign(endpoint, { [name]: v });
  }
  if (spec.inputShape !== undefined) {
    const shape = spec.inputShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RequestError(422, `model.inputShape must be a non-empty array of positive integers, got ${describe(shape)}`);
    }
    Object.assign(endpoint, { inputShape: shape as number[] });
  }
  if (spec.headers !== undefined) {
    if (!isObject(spec.headers) || !Object.values(spec.headers).every((v) => typeof v === "string")) {
      throw new RequestError(422, `model.headers must be an object of strings, got ${describe(spec.headers)}`);
    }
    Object.assign(endpoint, { headers: spec.headers as Record<string, string> });
  }
  if (spec.batchSize !== undefined) {
    const b = spec.batchSize;
    if (typeof b !== "number" || !Number.isInteger(b) || b < 1 || b > limits.maxRows) throw new RequestError(422, `model.batchSize must be an integer from 1 to ${limits.maxRows}, got ${describe(b)}`);
    Object.assign(endpoint, { batchSize: b });
  }
  const members = parseRecords(body.members, "members", limits);
  const nonMembers = parseRecords(body.nonMembers, "nonMembers", limits);
  if (members.features.length / members.rows !== nonMembers.features.length / nonMembers.rows) {
    throw new RequestError(422, `members have ${members.features.length / members.rows} features per record but nonMembers have ${nonMembers.features.length / nonMembers.rows}`);
  }
  if ((members.labels === undefined) !== (nonMembers.labels === undefined)) {
    throw new RequestError(422, `labels given for ${members.labels ? "members" : "nonMembers"} only: give both sides' labels or neither`);
  }
  const population = body.population === undefined ? undefined : parseRecords(body.population, "population", limits);
  if (population && !population.labels) throw new RequestError(422, "population.labels is missing: attack-p needs the population's true classes");
  if (population && population.features.length / population.rows !== members.features.length / members.rows) {
    throw new RequestError(422, `population has ${population.features.length / population.rows} features per record but members have ${members.features.length / members.rows}`);
  }
  const b = body.boundaryQueries;
  if (b !== undefined && (typeof b !== "number" || !Number.isInteger(b) || b < 1 || b > MAX_BOUNDARY_QUERIES)) {
    throw new RequestError(422, `boundaryQueries must be an integer from 1 to ${MAX_BOUNDARY_QUERIES} (label queries per record), got ${describe(b)}`);
  }
  return { url, endpoint, members, nonMembers, ...(population ? { population } : {}), auditOptions: parseAuditOptions(body, LABEL_QUERY_ATTACKS), boundaryQueries: b ?? DEFAULT_MAX_QUERIES };
}

function parseRecords(value: unknown, side: string, limits: Limits): { features: Float32Array; rows: number; labels?: Int32Array } {
  if (!isObject(value)) throw new RequestError(422, `${side} must be an object {"features": number[][], "labels"?: integer[]}, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (key !== "features" && key !== "labels") throw new RequestError(422, `${side}: unknown field '${key}' (the model form takes features and labels)`);
  }
  const table = value.features;
  if (!Array.isArray(table) || table.length === 0) throw new RequestError(422, `${side}.features must be a non-empty array of records, got ${describe(table)}`);
  const rows = table.length;
  if (rows > limits.maxRows) throw new RequestError(422, `${side}.features has ${rows} records, more than the limit of ${limits.maxRows}`);
  const first = table[0];
  if (!Array.isArray(first) || first.length === 0) throw new RequestError(422, `${side}.features[0] must be a non-empty array of numbers, got ${describe(first)}`);
  const width = first.length;
  if (width > limits.maxFeatures) throw new RequestError(422, `${side}.features[0] has ${width} values, more than the limit of ${limits.maxFeatures}`);
  const features = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const row = table[r];
    if (!Array.isArray(row) || row.length !== width) throw new RequestError(422, `${side}.features[${r}] must be an array of ${width} numbers like record 0, got ${describe(row)}`);
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (typeof v !== "number") throw new RequestError(422, `${side}.features[${r}][${c}] is ${describe(v)}: expected a number`);
      features[r * width + c] = v;
    }
  }
  if (value.labels === undefined) return { features, rows };
  const labelsValue = value.labels;
  if (!Array.isArray(labelsValue) || labelsValue.length !== rows) throw new RequestError(422, `${side}.labels must be an array of ${rows} class indices (one per record), got ${describe(labelsValue)}`);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = labelsValue[r];
    if (typeof y !== "number" || !Number.isInteger(y) || y < 0) throw new RequestError(422, `${side}.labels[${r}] is ${describe(y)}: expected a class index`);
    labels[r] = y;
  }
  return { features, rows, labels };
}

/** Queries the model for both sides' posteriors; its failures are a 502 naming the model URL. */
/**
 * Queries the model for both sides' posteriors; its failures are a 502 naming the model URL. With
 * label-only-boundary asked for, the audit queries it again for labels (`boundary`); `model()`
 * describes it once the audit is done, every query counted.
 */
async function queryModel(request: ModelLeakageRequest, defaults: NonNullable<LeakageHandlerOptions["endpoint"]>): Promise<{ input: LeakageRequest; model: () => ModelAnswer }> {
  try {
    const model = await openEndpointModel(request.url.href, { ...defaults, ...request.endpoint });
    const members = await model.predict(request.members.features, request.members.rows);
    const nonMembers = await model.predict(request.nonMembers.features, request.nonMembers.rows);
    const input: LeakageRequest = { ...request.auditOptions, members, nonMembers };
    if (request.members.labels) input.membersLabels = request.members.labels;
    if (request.nonMembers.labels) input.nonMembersLabels = request.nonMembers.labels;
    if (request.population) input.population = { posteriors: await model.predict(request.population.features, request.population.rows), labels: request.population.labels! };
    if (request.auditOptions.attacks?.some((a) => LABEL_QUERY_ATTACKS.includes(a))) {
      input.boundary = {
        predictLabels: async (features, rows) => predictedLabels(await model.predict(features, rows)),
        members: request.members.features,
        nonMembers: request.nonMembers.features,
        width: request.members.features.length / request.members.rows,
        maxQueries: request.boundaryQueries,
        // Records per call; the endpoint model sends them in requests of its own batchSize.
        batchSize: request.members.rows + request.nonMembers.rows,
      };
    }
    return { input, model: () => ({ url: model.location, protocol: model.protocol, outputKind: model.outputKind, queries: model.queries }) };
  } catch (error) {
    if (error instanceof EndpointInputError) throw new RequestError(422, `model: ${error.message}`);
    if (error instanceof EndpointError) throw new RequestError(502, `model endpoint: ${error.message}`);
    // Everything else openEndpointModel refuses is the request's own options.
    throw new RequestError(422, `model: ${(error as Error).message}`);
  }
}

export interface LeakageRequest {
  members: Posteriors;
  nonMembers: Posteriors;
  membersLabels?: Int32Array;
  nonMembersLabels?: Int32Array;
  noise?: Posteriors;
  population?: { posteriors: Posteriors; labels: Int32Array };
  attacks?: PosteriorAttackName[];
  topPercentile?: number;
  alpha?: number;
  roc: boolean;
  /** The model-URL form's label oracle, when label-only-boundary is asked for. */
  boundary?: BoundaryQueries;
}

const KNOWN_FIELDS = new Set(["members", "nonMembers", "noise", "population", "attacks", "topPercentile", "alpha", "roc"]);

/** Checks the parsed body's shape field by field; errors (422) name the JSON path. */
export function parseLeakageRequest(body: unknown, limits: Pick<Limits, "maxRows" | "maxClasses">): LeakageRequest {
  if (!isObject(body)) throw new RequestError(422, `body must be a JSON object with members and nonMembers, got ${describe(body)}`);
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw new RequestError(422, `unknown field '${key}': expected ${[...KNOWN_FIELDS].join(", ")}`);
  }
  const members = parseSide(body.members, "members", limits, true);
  const nonMembers = parseSide(body.nonMembers, "nonMembers", limits, true);
  if (members.posteriors.classes !== nonMembers.posteriors.classes) {
    throw new RequestError(422, `members have ${members.posteriors.classes} classes but nonMembers have ${nonMembers.posteriors.classes}`);
  }
  const request: LeakageRequest = { members: members.posteriors, nonMembers: nonMembers.posteriors, roc: false };
  if ((members.labels === undefined) !== (nonMembers.labels === undefined)) {
    throw new RequestError(422, `labels given for ${members.labels ? "members" : "nonMembers"} only: give both sides' labels or neither`);
  }
  if (members.labels) request.membersLabels = members.labels;
  if (nonMembers.labels) request.nonMembersLabels = nonMembers.labels;
  if (body.noise !== undefined) {
    const noise = parseSide(body.noise, "noise", limits, false).posteriors;
    if (noise.classes !== members.posteriors.classes) {
      throw new RequestError(422, `noise has ${noise.classes} classes but members have ${members.posteriors.classes}`);
    }
    request.noise = noise;
  }
  if (body.population !== undefined) {
    const population = parseSide(body.population, "population", limits, true);
    if (!population.labels) throw new RequestError(422, "population.labels is missing: attack-p needs the population's true classes");
    if (population.posteriors.classes !== members.posteriors.classes) {
      throw new RequestError(422, `population has ${population.posteriors.classes} classes but members have ${members.posteriors.classes}`);
    }
    request.population = { posteriors: population.posteriors, labels: population.labels };
  }
  Object.assign(request, parseAuditOptions(body));
  return request;
}

/** The options both request forms share: attacks, topPercentile, alpha, roc; `extra` attacks the form also takes. */
function parseAuditOptions(body: Record<string, unknown>, extra: readonly string[] = []): AuditRequestOptions {
  const names = [...POSTERIOR_ATTACKS, ...extra];
  const request: AuditRequestOptions = { roc: false };
  if (body.attacks !== undefined) {
    if (!Array.isArray(body.attacks) || body.attacks.length === 0) {
      throw new RequestError(422, `attacks must be a non-empty array of names, got ${describe(body.attacks)}`);
    }
    request.attacks = body.attacks.map((name, i) => {
      if (typeof name !== "string" || !names.includes(name)) {
        throw new RequestError(422, `attacks[${i}] is ${describe(name)}: expected one of ${names.join(", ")}${extra.length === 0 && LABEL_QUERY_ATTACKS.includes(String(name)) ? ` (${String(name)} queries a model: use the model-URL form)` : ""}`);
      }
      return name as PosteriorAttackName;
    });
  }
  if (body.topPercentile !== undefined) {
    const t = body.topPercentile;
    if (typeof t !== "number" || !(t > 0 && t < 100)) throw new RequestError(422, `topPercentile must be a number strictly between 0 and 100, got ${describe(t)}`);
    request.topPercentile = t;
  }
  if (body.alpha !== undefined) {
    const a = body.alpha;
    if (typeof a !== "number" || !(a > 0 && a < 1)) throw new RequestError(422, `alpha must be a number strictly between 0 and 1, got ${describe(a)}`);
    request.alpha = a;
  }
  if (body.roc !== undefined) {
    if (typeof body.roc !== "boolean") throw new RequestError(422, `roc must be true or false, got ${describe(body.roc)}`);
    request.roc = body.roc;
  }
  return request;
}

function parseSide(value: unknown, side: string, limits: Pick<Limits, "maxRows" | "maxClasses">, labelsAllowed: boolean): { posteriors: Posteriors; labels?: Int32Array } {
  if (!isObject(value)) throw new RequestError(422, `${side} must be an object {"posteriors": number[][]${labelsAllowed ? ', "labels"?: integer[]' : ""}}, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (key === "features" && labelsAllowed) throw new RequestError(422, `${side}.features belongs to the model form: add "model": {"url": ...}, or send posteriors`);
    if (key !== "posteriors" && !(labelsAllowed && key === "labels")) throw new RequestError(422, `${side}: unknown field '${key}'`);
  }
  const rowsValue = value.posteriors;
  if (!Array.isArray(rowsValue)) throw new RequestError(422, `${side}.posteriors must be an array of rows, got ${describe(rowsValue)}`);
  const rows = rowsValue.length;
  if (rows === 0) throw new RequestError(422, `${side}.posteriors is empty: expected at least one row`);
  if (rows > limits.maxRows) throw new RequestError(422, `${side}.posteriors has ${rows} rows, more than the limit of ${limits.maxRows}`);
  const first = rowsValue[0];
  if (!Array.isArray(first)) throw new RequestError(422, `${side}.posteriors[0] must be an array of class probabilities, got ${describe(first)}`);
  const classes = first.length;
  if (classes < 2) throw new RequestError(422, `${side}.posteriors[0] has ${classes} entries: expected at least 2 classes`);
  if (classes > limits.maxClasses) throw new RequestError(422, `${side}.posteriors[0] has ${classes} classes, more than the limit of ${limits.maxClasses}`);
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const row = rowsValue[r];
    if (!Array.isArray(row)) throw new RequestError(422, `${side}.posteriors[${r}] must be an array, got ${describe(row)}`);
    if (row.length !== classes) throw new RequestError(422, `${side}.posteriors[${r}] has ${row.length} entries, expected ${classes} like row 0`);
    for (let c = 0; c < classes; c++) {
      const p = row[c];
      if (typeof p !== "number") {
        const hint = p === null ? " (NaN and Infinity become null in JSON)" : "";
        throw new RequestError(422, `${side}.posteriors[${r}][${c}] is ${describe(p)}${hint}: expected a probability from 0 to 1`);
      }
      if (!(p >= 0 && p <= 1)) throw new RequestError(422, `${side}.posteriors[${r}][${c}] is ${p}: expected a probability from 0 to 1`);
      values[r * classes + c] = p;
    }
  }
  const posteriors: Posteriors = { values, rows, classes };
  if (value.labels === undefined) return { posteriors };
  const labelsValue = value.labels;
  if (!Array.isArray(labelsValue)) throw new RequestError(422, `${side}.labels must be an array of class indices, got ${describe(labelsValue)}`);
  if (labelsValue.length !== rows) throw new RequestError(422, `${side}.labels has ${labelsValue.length} entries for ${rows} rows of posteriors`);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = labelsValue[r];
    if (typeof y !== "number" || !Number.isInteger(y) || y < 0 || y >= classes) {
      throw new RequestError(422, `${side}.labels[${r}] is ${describe(y)}: expected a class index from 0 to ${classes - 1}`);
    }
    labels[r] = y;
  }
  return { posteriors, labels };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value)}`;
  if (typeof value === "object") return "an object";
  if (value === undefined) return "missing";
  return `${typeof value} ${String(value)}`;
}
