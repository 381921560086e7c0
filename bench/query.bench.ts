// npm run bench:query: records per second answered by a target model, in one run: the test
// fixtures' PyTorch-exported ONNX models through onnxruntime-web (wasm, 1 thread) beside the same
// records through the project's own models of the same shapes (the fused dense engine, tfjs on
// tfjs-backend-wasm, and a tfjs model.json opened as a TargetModel). Medians of several runs after
// a warm-up; ratios are to the ONNX row of each group, measured in this run. Each row is a
// QuerySource (a name and an open()), so other sources join a group by adding rows: the digits
// group also asks the same ONNX model deployed behind a local HTTP endpoint (node:http on
// 127.0.0.1, test/endpoint-server.ts) in both protocols, TF Serving / KServe v1 and Open
// Inference v2, through openEndpointModel (batches of 64, 4 requests in flight, no cache).
// Progress goes to stderr, the Markdown table to stdout.
// Environment: MLLEAKS_BENCH_RUNS (default 5), MLLEAKS_BENCH_RECORDS (records per run, default 2000).
import * as tf from "../src/models/tfjs/tf.js";
import { availableParallelism, loadavg } from "node:os";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/backend.js";
import { createClassifier } from "../src/models/create.js";
import "../src/models/engines.js";
import { layersModelFiles } from "../src/models/tfjs/io.js";
import type { Engine, ModelKind } from "../src/models/types.js";
import { openEndpointModel, type EndpointProtocol } from "../src/targets/endpoint.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { openTfjsModel } from "../src/targets/tfjs.js";
import type { LabeledData, PosteriorModel } from "../src/types.js";
import { startModelServer } from "../test/endpoint-server.js";
import { fixtureBytes, fixtureRecords, type ModelFixture } from "../test/targets-fixtures.js";

const RUNS = Number(process.env.MLLEAKS_BENCH_RUNS ?? 5);
const RECORDS = Number(process.env.MLLEAKS_BENCH_RECORDS ?? 2000);
const log = (message: string) => process.stderr.write(`${message}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A model to query: opened once, asked for the group's records RUNS times, then disposed. */
export interface QuerySource {
  readonly name: string;
  open(): Promise<PosteriorModel & { dispose(): unknown }>;
}

export interface QueryGroup {
  readonly title: string;
  /** The records every source of the group answers (repeated up to RECORDS). */
  readonly data: LabeledData;
  /** The first source is the baseline of the group's ratios. */
  readonly sources: QuerySource[];
}

/** `rows` records cycling through the data's. */
function records(data: LabeledData, rows: number): Float32Array {
  const size = data.features.length / data.labels.length;
  const out = new Float32Array(rows * size);
  for (let r = 0; r < rows; r++) {
    const from = r % data.labels.length;
    out.set(data.features.subarray(from * size, (from + 1) * size), r * size);
  }
  return out;
}

/** One of the project's models of this kind, trained one epoch on the records (the weights do
 *  not change the cost of a forward pass). */
function ownModel(kind: ModelKind, engine: Engine, data: LabeledData, inputShape: readonly number[]): QuerySource {
  return {
    name: `mlleaks ${kind} (${engine === "fused" ? "fused dense engine" : "tfjs wasm"})`,
    async open() {
      const model = await createClassifier(kind, { inputShape, numClasses: data.numClasses, engine });
      await model.fit({ ...data, recordShape: inputShape }, { seed: 1, epochs: 1 });
      return model;
    },
  };
}

/** The project's tfjs model saved as model.json and opened as a TargetModel (openTfjsModel). */
function ownModelAsTarget(kind: ModelKind, data: LabeledData, inputShape: readonly number[]): QuerySource {
  return {
    name: `mlleaks ${kind} as tfjs model.json (openTfjsModel)`,
    async open() {
      const model = await createClassifier(kind, { inputShape, numClasses: data.numClasses });
      await model.fit({ ...data, recordShape: inputShape }, { seed: 1, epochs: 1 });
      const files = await layersModelFiles(model);
      model.dispose();
      return openTfjsModel(files.modelJson, async () => files.weights, `${kind}/model.json`);
    },
  };
}

function onnx(name: ModelFixture): QuerySource {
  return { name: `${name}.onnx (onnxruntime-web wasm, 1 thread)`, open: async () => openOnnxModel(await fixtureBytes(`${name}.onnx`), `${name}.onnx`) };
}

/** The ONNX model served over HTTP by a local model server, queried through openEndpointModel. */
function endpoint(name: ModelFixture, protocol: EndpointProtocol, recordShape: readonly number[]): QuerySource {
  return {
    name: `${name}.onnx behind a local ${protocol} endpoint (batch 64, 4 in flight)`,
    async open() {
      const served = await openOnnxModel(await fixtureBytes(`${name}.onnx`), `${name}.onnx`);
      const server = await startModelServer(served, { recordShape });
      const target = await openEndpointModel(protocol === "v1" ? server.v1Url : server.v2Url, { batchSize: 64, concurrency: 4 });
      return Object.assign(target, {
        async dispose() {
          await server.close();
          await served.dispose();
        },
      });
    },
  };
}

async function recordsPerSecond(source: QuerySource, features: Float32Array, rows: number): Promise<number> {
  const model = await source.open();
  try {
    await model.predict(features.subarray(0, Math.min(rows, 100) * (features.length / rows)), Math.min(rows, 100));
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      await model.predict(features, rows);
      rates.push(rows / ((performance.now() - started) / 1000));
    }
    return median(rates);
  } finally {
    await model.dispose();
  }
}

export async function runQueryBench(groups: readonly QueryGroup[]): Promise<string> {
  const lines = ["| records | model | records/s (median) | ratio to the group's first row |", "|---|---|---:|---:|"];
  for (const group of groups) {
    const features = records(group.data, RECORDS);
    let baseline = NaN;
    for (const [i, source] of group.sources.entries()) {
      log(`${group.title}: ${source.name} ...`);
      const rate = await recordsPerSecond(source, features, RECORDS);
      if (i === 0) baseline = rate;
      lines.push(`| ${group.title} | ${source.name} | ${Math.round(rate).toLocaleString("en-US")} | ${(rate / baseline).toFixed(2)}x |`);
    }
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  await initKernels();
  const backend = await initModelBackend();
  const digits = await fixtureRecords("digits-mlp", "population");
  const fashion = await fixtureRecords("fashion-cnn-logits", "population");
  const groups: QueryGroup[] = [
    {
      title: "digits [64]",
      data: digits,
      sources: [
        onnx("digits-mlp"),
        ownModel("mlp", "fused", digits, [64]),
        ownModel("mlp", "tfjs", digits, [64]),
        ownModelAsTarget("mlp", digits, [64]),
        endpoint("digits-mlp", "v1", [64]),
        endpoint("digits-mlp", "v2", [64]),
      ],
    },
    {
      title: "fashion [28, 28, 1]",
      data: fashion,
      sources: [onnx("fashion-cnn-logits"), ownModel("cnn", "tfjs", fashion, [28, 28, 1]), ownModelAsTarget("cnn", fashion, [28, 28, 1])],
    },
  ];
  const table = await runQueryBench(groups);
  console.log(`bench:query: ${RECORDS} records per run, median of ${RUNS} runs; tfjs ${tf.version_core} (${backend.backend}, ${backend.threads} thread(s), simd ${backend.simd}); ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(2)} at the end`);
  console.log("");
  console.log(table);
}

await main();
