// npm run bench:datasets: load time of each bundled dataset (read + gunzip + parse + features),
// with the cost of just reading and gunzipping the same files measured in the same run as the
// baseline. Prints a Markdown table of medians. Environment: MLLEAKS_BENCH_RUNS (default 5).
import { loadavg } from "node:os";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { BUNDLED_DATASETS } from "../src/datasets/catalog.js";
import { isGzip, maybeGunzip } from "../src/datasets/gzip.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";

const RUNS = Number(process.env.MLLEAKS_BENCH_RUNS ?? 5);
const FILES: Record<string, string[]> = {
  "fashion-mnist": ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
  digits: ["optdigits.csv.gz"],
  census: ["cps1988.csv.gz"],
  purchase: ["supermarket.arff.gz"],
  dna: ["dna.csv.gz"],
  mail: ["mailing-lists.jsonl.gz"],
  faces: ["lfw_subset.npy"],
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

await initKernels();
const source = bundledDataSource();
process.stderr.write(`datasets bench: ${RUNS} runs each, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
console.log("| dataset | records x features | input MB (unpacked) | read+gunzip ms | load ms | load / read+gunzip |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const entry of BUNDLED_DATASETS) {
  let unpacked = 0;
  const readTimes: number[] = [];
  const loadTimes: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    readTimes.push(
      await time(async () => {
        unpacked = 0;
        for (const file of FILES[entry.name]!) {
          const bytes = await source.read(file);
          unpacked += (isGzip(bytes) ? await maybeGunzip(bytes, file) : bytes).length;
        }
      }),
    );
    loadTimes.push(await time(() => loadDataset(entry.name, { source })));
  }
  const read = median(readTimes);
  const load = median(loadTimes);
  console.log(`| ${entry.name} | ${entry.records} x ${entry.features} | ${(unpacked / 1e6).toFixed(1)} | ${read.toFixed(0)} | ${load.toFixed(0)} | ${(load / read).toFixed(1)} |`);
}
process.stderr.write(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
