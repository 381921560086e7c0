// Node and Deno give the same results: the cross-runtime probe (seeded draws, kernels, the short
// audit's report fingerprint) runs in this Node process and in a real Deno (the npm package `deno`),
// and every hash must match. Node-only as a file because it drives Deno itself.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { runProbe, type ProbeResult } from "./runtimes/probe.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const deno = join(root, "node_modules", ".bin", "deno");
const probeCli = join(root, "dist", "test", "runtimes", "probe-cli.js");
const bin = join(root, "dist", "src", "cli", "bin.js");
const run = promisify(execFile);

const runtimes = suite("node and deno agree");
let node: ProbeResult;
let denoProbe: ProbeResult;

runtimes.before(async () => {
  const [inNode, denoRun] = await Promise.all([
    runProbe({ source: bundledDataSource() }),
    promisify(execFile)(deno, ["run", "-A", "--quiet", probeCli], { cwd: root, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: "1" } }),
  ]);
  node = inNode;
  denoProbe = JSON.parse(denoRun.stdout.trim().split("\n").pop()!) as ProbeResult;
  for (const [name, probe] of [["node", node], ["deno", denoProbe]] as const) {
    console.log(`\n  ${name}: ${probe.runtime} ${JSON.stringify(probe.facts)} audit fingerprint ${probe.hashes.auditFingerprint}`);
  }
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

runtimes("the CLI under Deno prints what it prints under Node", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlleaks-deno-cli-"));
  try {
    writeFileSync(join(dir, "members.csv"), "p0,p1,p2,label\n0.9,0.05,0.05,0\n0.1,0.8,0.1,1\n0.2,0.2,0.6,2\n0.7,0.2,0.1,0\n");
    writeFileSync(join(dir, "nonmembers.csv"), "p0,p1,p2,label\n0.5,0.3,0.2,1\n0.3,0.4,0.3,1\n0.2,0.5,0.3,2\n0.4,0.4,0.2,0\n");
    const args = ["attack", "--members", join(dir, "members.csv"), "--nonmembers", join(dir, "nonmembers.csv"), "--json"];
    const [inNode, inDeno] = await Promise.all([run(process.execPath, [bin, ...args]), run(deno, ["run", "-A", "--quiet", bin, ...args], { env: { ...process.env, NO_COLOR: "1" } })]);
    assert.ok(inNode.stdout.includes('"auc"'), inNode.stdout);
    assert.is(inDeno.stdout, inNode.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

runtimes("`deno serve` serves the edge module as it is", async () => {
  const server = spawn(deno, ["serve", "-A", "--host", "127.0.0.1", "--port", "0", join(root, "dist", "src", "edge", "index.js")], { env: { ...process.env, NO_COLOR: "1" } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`deno serve did not say where it listens: ${seen}`)), 30_000);
      const look = (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      server.stdout.on("data", look);
      server.stderr.on("data", look);
      server.once("exit", (code) => reject(new Error(`deno serve exited (${code}): ${seen}`)));
    });
    const good = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ members: { posteriors: [[0.9, 0.1]] }, nonMembers: { posteriors: [[0.6, 0.4]] }, attacks: ["adversary-3-max"] }) });
    assert.is(good.status, 200);
    assert.is(((await good.json()) as { attacks: Array<{ auc: number }> }).attacks[0]!.auc, 1);
    const bad = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"members":' });
    assert.is(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /not valid JSON/);
  } finally {
    server.kill();
  }
});

runtimes.run();
