// A model server for the endpoint tests and bench: node:http on 127.0.0.1 (a free port) serving a
// real trained model in both protocols (TF Serving / KServe v1 predict, Open Inference Protocol v2
// infer and model metadata), with faults queued per request to make it misbehave on purpose.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { loadDataset, subsetDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier, type Classifier } from "../src/models/index.js";
import "../src/models/engines.js";
import type { LabeledData, PosteriorModel } from "../src/types.js";

/** What the next predict/infer request gets instead of a good answer (one fault per request). */
export type Fault =
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "slow"; ms: number }
  /** Never answers (the connection stays open until the server closes). */
  | { kind: "hang" }
  | { kind: "drop" }
  | { kind: "malformed" }
  | { kind: "wrong-rows" }
  | { kind: "wrong-classes" }
  | { kind: "nan-literal" }
  | { kind: "nan-null" };

export interface ModelServerOptions {
  readonly modelName?: string;
  /** One record's shape in the v2 metadata (default [features]). */
  readonly recordShape: readonly number[];
  readonly inputName?: string;
  readonly outputName?: string;
  /** Answer log-probabilities (logits up to a constant) instead of probabilities. */
  readonly logits?: boolean;
  /** Required Authorization header value; 401 without it. */
  readonly authorization?: string;
}

export interface ModelServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly origin: string;
  readonly v1Url: string;
  readonly v2Url: string;
  /** predict/infer requests received (metadata excluded), faults included. */
  hits: number;
  /** Records the model actually answered. */
  answered: number;
  metadataHits: number;
  /** Arrival times (ms) of predict/infer requests. */
  readonly arrivals: number[];
  readonly faults: Fault[];
  /** When set, every predict/infer request gets this fault (a dead endpoint). */
  always?: Fault;
  close(): Promise<void>;
}

export async function startModelServer(model: PosteriorModel, options: ModelServerOptions): Promise<ModelServer> {
  const name = options.modelName ?? "digits";
  const inputName = options.inputName ?? "pixels";
  const outputName = options.outputName ?? "probabilities";
  const recordSize = options.recordShape.reduce((a, b) => a * b, 1);
  const state = { hits: 0, answered: 0, metadataHits: 0, arrivals: [] as number[], faults: [] as Fault[], always: undefined as Fault | undefined };

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body);
  };

  const answer = async (records: number[], rows: number): Promise<number[]> => {
    const posteriors = await model.predict(Float32Array.from(records), rows);
    state.answered += rows;
    return Array.from(posteriors.values, (p) => (options.logits ? Math.log(p) : p));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = req.url ?? "/";
    if (req.method === "GET" && path === `/v2/models/${name}`) {
      state.metadataHits++;
      return send(res, 200, JSON.stringify({
        name,
        versions: ["1"],
        platform: "mlleaks-test",
        inputs: [{ name: inputName, datatype: "FP32", shape: [-1, ...options.recordShape] }],
        outputs: [{ name: outputName, datatype: "FP32", shape: [-1, model.numClasses] }],
      }));
    }
    const v1 = path === `/v1/models/${name}:predict`;
    const v2 = path === `/v2/models/${name}/infer`;
    if (req.method !== "POST" || !(v1 || v2)) return send(res, 404, JSON.stringify({ error: `no route ${req.method} ${path}` }));
    state.hits++;
    state.arrivals.push(performance.now());
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      return send(res, 401, JSON.stringify({ error: "missing or wrong Authorization" }));
    }
    const fault = state.always ?? state.faults.shift();
    if (fault?.kind === "status") return send(res, fault.status, JSON.stringify({ error: `injected ${fault.status}` }), fault.retryAfter ? { "Retry-After": fault.retryAfter } : {});
    if (fault?.kind === "drop") return req.socket.destroy();
    if (fault?.kind === "hang") return;
    if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    const request = JSON.parse(body) as { instances?: unknown[]; inputs?: Array<{ name: string; shape: number[]; datatype: string; data: number[] }> };
    let rows: number;
    let flat: number[];
    if (v1) {
      rows = request.instances!.length;
      flat = (request.instances as unknown[]).flat(8) as number[];
    } else {
      const input = request.inputs![0]!;
      if (input.name !== inputName || input.datatype !== "FP32") return send(res, 400, JSON.stringify({ error: `expected input '${inputName}' FP32, got '${input.name}' ${input.datatype}` }));
      rows = input.shape[0]!;
      flat = input.data;
    }
    if (flat.length !== rows * recordSize) return send(res, 400, JSON.stringify({ error: `expected ${rows} x ${recordSize} values, got ${flat.length}` }));
    let values = await answer(flat, rows);
    let classes = model.numClasses;
    if (fault?.kind === "wrong-rows") {
      values = values.slice(classes);
      rows -= 1;
    }
    if (fault?.kind === "wrong-classes") {
      values = values.filter((_, i) => i % classes !== classes - 1);
      classes -= 1;
    }
    if (fault?.kind === "malformed") return send(res, 200, `{"predictions": [[0.1, 0.9]`);
    if (fault?.kind === "nan-literal" || fault?.kind === "nan-null") values[3] = NaN;
    // JSON.stringify writes NaN as null; Python's json.dumps writes the bare literal NaN.
    const rowsOf = () => Array.from({ length: rows }, (_, r) => values.slice(r * classes, (r + 1) * classes));
    let text = v1
      ? JSON.stringify({ predictions: rowsOf() })
      : JSON.stringify({ model_name: name, model_version: "1", outputs: [{ name: outputName, shape: [rows, classes], datatype: "FP32", data: values }] });
    if (fault?.kind === "nan-literal") text = text.replace("null", "NaN");
    send(res, 200, text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, JSON.stringify({ error: String(error) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    v1Url: `${origin}/v1/models/${name}:predict`,
    v2Url: `${origin}/v2/models/${name}/infer`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * The real model behind the test endpoint: the project's MLP (fused engine, seeded) trained on the
 * first 400 bundled digits (its members); the next 400 are non-members.
 */
export async function trainDigitsTarget(epochs = 30): Promise<{ model: Classifier; members: LabeledData; nonMembers: LabeledData }> {
  await initKernels();
  const digits = await loadDataset("digits", { source: bundledDataSource() });
  const part = (from: number, to: number, name: string) => subsetDataset(digits, Int32Array.from({ length: to - from }, (_, i) => from + i), name);
  const members = part(0, 400, "members");
  const nonMembers = part(400, 800, "non-members");
  const model = await createClassifier("mlp", { inputShape: digits.recordShape, numClasses: digits.numClasses, engine: "fused" });
  await model.fit(members, { seed: 9, epochs, batchSize: 50 });
  return { model, members, nonMembers };
}
