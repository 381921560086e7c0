// `mlleaks audit` estimates its peak memory before training and refuses a run over the limit
// (--max-memory, or the memory available), naming the options to lower and the override.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { fixturePath } from "./targets-fixtures.js";
import { estimateAuditMemory, parameterCount, parseByteSize, type AuditMemoryPlan } from "../src/audit-memory.js";

const memory = suite("audit: peak-memory estimate");
const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const mlleaks = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000 });

memory("parameter counts follow the layer stacks", () => {
  // purchase: 600 features, 100 classes; dense 128 tanh then softmax.
  assert.is(parameterCount("mlp", [600], 100), 600 * 128 + 128 + 128 * 100 + 100);
  assert.is(parameterCount("logreg", [600], 100), 600 * 100 + 100);
  // 28x28x1: conv5 (24x24x32), pool2 (12x12), conv5 (8x8x32), pool2 (4x4x32), dense 128, softmax 10.
  assert.is(parameterCount("cnn", [28, 28, 1], 10), 5 * 5 * 32 + 32 + 5 * 5 * 32 * 32 + 32 + 4 * 4 * 32 * 128 + 128 + 128 * 10 + 10);
});

memory("the estimate grows with shadows, part size and workers, and names what to lower", () => {
  const plan: AuditMemoryPlan = { records: 4627, recordShape: [600], classes: 100, partSize: 1156, target: "mlp", targetModels: 1, shokriShadows: 10, referenceModels: 10, noiseQueries: 1000, augmentations: 0, workers: 2 };
  const base = estimateAuditMemory(plan).bytes;
  for (const change of [{ shokriShadows: 20 }, { referenceModels: 20 }, { partSize: 2000 }, { workers: 4 }, { augmentations: 8 }, { noiseQueries: 100_000 }]) {
    assert.ok(estimateAuditMemory({ ...plan, ...change }).bytes > base, JSON.stringify(change));
  }
  const huge = estimateAuditMemory({ ...plan, shokriShadows: 100_000 });
  assert.is(huge.items[0]!.what, "Shokri shadows (100000)");
  assert.match(huge.items[0]!.lower, /--shadows/);
  // Every shadow keeps its two halves' features and answers: 100,000 of them is over 100 GiB.
  assert.ok(huge.bytes > 100 * 2 ** 30);
});

memory("sizes: 4G, 512M, 300000000; anything else is undefined", () => {
  assert.is(parseByteSize("4G"), 4 * 2 ** 30);
  assert.is(parseByteSize("512MiB"), 512 * 2 ** 20);
  assert.is(parseByteSize("300000000"), 300_000_000);
  for (const bad of ["", "G", "-1G", "1X", "0"]) assert.is(parseByteSize(bad), undefined, bad);
});

memory("a run over --max-memory is refused before training, with the options to lower", () => {
  const result = mlleaks("audit", "--dataset", "purchase", "--attacks", "shokri,lira", "--shadows", "256", "--max-memory", "1G", "--out", join(tmpdir(), "never-written"));
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, /this run would need about [\d.]+ GiB of memory, more than the 1\.0 GiB of --max-memory/);
  assert.match(result.stderr, /Shokri shadows \(256\) [\d.]+ [MG]iB \(--shadows, --part-size\)/);
  assert.match(result.stderr, /raise --max-memory, or pass --ignore-memory-estimate/);
  assert.not.match(result.stderr, /trained|done in/, "nothing trained");
  const badSize = mlleaks("audit", "--dataset", "digits", "--max-memory", "lots");
  assert.is(badSize.status, 2);
  assert.match(badSize.stderr, /--max-memory expects a size such as 4G, 512M or a number of bytes, got 'lots'/);
});

memory("--model: the estimate comes from the record files, and names them as what to lower", () => {
  const files = ["members", "nonmembers", "population"].flatMap((part) => [`--${part}`, fixturePath(`digits-mlp.${part}.npz`)]);
  const result = mlleaks("audit", "--model", fixturePath("digits-mlp.onnx"), ...files, "--shadows", "256", "--max-memory", "100M");
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, /449 members, 449 non-members, 898 population records/);
  assert.match(result.stderr, /more than the 100 MiB of --max-memory\. Largest parts: .*reference models \(256\) \d+ MiB \(--shadows, fewer records in --members, --nonmembers, --population/);
});

memory("--ignore-memory-estimate runs anyway and says so", () => {
  const out = mkdtempSync(join(tmpdir(), "mlleaks-memory-"));
  try {
    const result = mlleaks("audit", "--dataset", "digits", "--epochs", "1", "--attack-epochs", "1", "--workers", "1", "--max-memory", "1M", "--ignore-memory-estimate", "--out", out);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stderr, /more than the 1 MiB of --max-memory\. Largest parts: .* Running anyway \(--ignore-memory-estimate\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

memory.run();
