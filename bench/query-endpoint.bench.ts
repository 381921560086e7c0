// npm run bench:query-endpoint: records per second through a deployed-model endpoint (a local
// node:http server on 127.0.0.1 in front of the project's digits MLP, as in the endpoint tests), in
// both protocols (TF Serving / KServe v1, Open Inference Protocol v2), against the same model's own
// predict() measured in the same run: the ratio is what HTTP + JSON costs. Also the resumed run
// (every answer from the cache). Prints a Markdown table of medians.
// Environment: MLLEAKS_BENCH_RUNS (default 5), MLLEAKS_BENCH_RECORDS (default 1,600).
import { loadavg } from "node:os";
import { memoryEndpointCache, openEndpointModel, type EndpointOptions } from "../src/targets/endpoint.js";
import { startModelServer, trainDigitsTarget } from "../test/endpoint-server.js";

const RUNS = Number(process.env.MLLEAKS_BENCH_RUNS ?? 5);
const RECORDS = Number(process.env.MLLEAKS_BENCH_RECORDS ?? 1600);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function recordsPerSecond(run: () => Promise<unknown>): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    await run();
    rates.push(RECORDS / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

const { model, members, nonMembers } = await trainDigitsTarget(10);
const pool = new Float32Array([...members.features, ...nonMembers.features]);
const records = new Float32Array(RECORDS * 64);
for (let r = 0; r < RECORDS; r++) records.set(pool.subarray((r % 800) * 64, (r % 800 + 1) * 64), r * 64);
const server = await startModelServer(model, { recordShape: [8, 8, 1] });
process.stderr.write(`endpoint bench: ${RECORDS} digits records, ${RUNS} runs each, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);

const direct = await recordsPerSecond(() => model.predict(records, RECORDS));
console.log("| path | batch size | concurrency | records/s | model.predict is x faster |");
console.log("|---|---:|---:|---:|---:|");
console.log(`| model.predict (in process) | ${RECORDS} | - | ${direct.toFixed(0)} | 1 |`);
const settings: Array<Pick<EndpointOptions, "batchSize" | "concurrency">> = [
  { batchSize: 64, concurrency: 1 },
  { batchSize: 64, concurrency: 4 },
  { batchSize: 256, concurrency: 4 },
];
for (const protocol of ["v1", "v2"] as const) {
  for (const options of settings) {
    const endpoint = await openEndpointModel(protocol === "v1" ? server.v1Url : server.v2Url, options);
    const rate = await recordsPerSecond(() => endpoint.predict(records, RECORDS));
    console.log(`| ${protocol} endpoint | ${options.batchSize} | ${options.concurrency} | ${rate.toFixed(0)} | ${(direct / rate).toFixed(0)} |`);
  }
}
const cache = memoryEndpointCache();
const cached = await openEndpointModel(server.v2Url, { batchSize: 256, concurrency: 4, cache });
await cached.predict(records, RECORDS);
const hits = server.hits;
const resumed = await recordsPerSecond(() => cached.predict(records, RECORDS));
if (server.hits !== hits) throw new Error("the cached runs queried the endpoint");
console.log(`| v2, every answer cached (resume) | - | - | ${resumed.toFixed(0)} | ${(direct / resumed).toFixed(0)} |`);
await server.close();
process.stderr.write(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
