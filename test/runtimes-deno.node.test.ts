// Node and Deno give the same results: the cross-runtime probe (seeded draws, kernels, the short
// audit's report fingerprint) runs in this Node process and in a real Deno (the npm package `deno`),
// and every hash must match. Node-only as a file because it drives Deno itself.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runProbe, type ProbeResult } from "./runtimes/probe.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const deno = join(root, "node_modules", ".bin", "deno");
const probeCli = join(root, "dist", "test", "runtimes", "probe-cli.js");

const runtimes = suite("node and deno agree");
let node: ProbeResult;
let denoProbe: ProbeResult;

runtimes.before(async () => {
  const [inNode, denoRun] = await Promise.all([
    runProbe(),
    promisify(execFile)(deno, ["run", "-A", "--quiet", probeCli], { cwd: root, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: "1" } }),
  ]);
  node = inNode;
  denoProbe = JSON.parse(denoRun.stdout.trim().split("\n").pop()!) as ProbeResult;
  console.log(`\n  node:  ${node.runtime} ${JSON.stringify(node.facts)}\n  deno:  ${denoProbe.runtime} ${JSON.stringify(denoProbe.facts)}`);
});

runtimes("the probe really ran in Deno", () => {
  assert.match(denoProbe.runtime, /^deno \d/);
  assert.match(node.runtime, /^node \d/);
});

runtimes("every hash matches", () => {
  assert.ok(Object.keys(node.hashes).length > 0);
  assert.equal(Object.keys(denoProbe.hashes).sort(), Object.keys(node.hashes).sort());
  for (const [key, hash] of Object.entries(node.hashes)) {
    assert.is(denoProbe.hashes[key], hash, `${key}: node ${hash}, deno ${denoProbe.hashes[key]}`);
  }
});

runtimes.run();
