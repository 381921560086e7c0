// `mlleaks attack` end to end through the real binary: usage errors (exit 2), bad files (exit 1,
// with file, line and field), --json output, and atomic report files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-cli-"));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

const test = suite("audit cli");
test.after(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, rows: number[][], labels?: number[]): string {
  const path = join(dir, name);
  const header = rows[0]!.map((_, c) => `p${c}`).concat(labels ? ["label"] : []).join(",");
  writeFileSync(path, [header, ...rows.map((r, i) => r.concat(labels ? [labels[i]!] : []).join(","))].join("\n") + "\n");
  return path;
}

test("audit: a dataset that is not downloaded yet says how to get it (exit 1)", () => {
  const result = run("audit", "--dataset", "cifar10", "--data-dir", join(dir, "no-downloads"), "--out", join(dir, "never"));
  assert.is(result.status, 1);
  assert.match(result.stderr, /dataset 'cifar10' is not downloaded to .*no-downloads.*mlleaks datasets fetch cifar10/);
  assert.not.ok(readdirSync(dir).includes("never"), "no report folder for a failed audit");
});

test("usage errors exit 2 and name the argument", () => {
  const missing = run("attack", "--members", "x.csv");
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /--nonmembers is required/);
  const unknown = run("attack", "--members", "a", "--nonmembers", "b", "--bogus");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --bogus/);
  const badList = run("attack", "--members", "a", "--nonmembers", "b", "--attacks", "loss,nope");
  assert.is(badList.status, 2);
  assert.match(badList.stderr, /--attacks expects one of/);
  const badT = run("attack", "--members", "a", "--nonmembers", "b", "--top-percentile", "100");
  assert.is(badT.status, 2);
  const help = run("attack", "--help");
  assert.is(help.status, 0);
  assert.match(help.stdout, /--members FILE/);
});

test("bad files exit 1 with file, line and field", () => {
  const good = writeCsv("good.csv", [[0.9, 0.1]]);
  const bad = join(dir, "bad.csv");
  writeFileSync(bad, "p0,p1\n0.9,0.1\n0.5,oops\n");
  const result = run("attack", "--members", good, "--nonmembers", bad);
  assert.is(result.status, 1);
  assert.match(result.stderr, /bad\.csv: line 3, field p1: expected a decimal number, got 'oops'/);
  const absent = run("attack", "--members", good, "--nonmembers", join(dir, "absent.json"));
  assert.is(absent.status, 1);
  assert.match(absent.stderr, /absent\.json: no such file/);
});

test("--json prints one object with an entry per attack; --out writes both reports", () => {
  const members = writeCsv("m.csv", [[0.95, 0.05], [0.1, 0.9], [0.99, 0.01], [0.2, 0.8]], [0, 1, 0, 1]);
  const nonMembersPath = join(dir, "n.json");
  writeFileSync(nonMembersPath, JSON.stringify({ posteriors: [[0.6, 0.4], [0.45, 0.55], [0.7, 0.3], [0.5, 0.5]], labels: [0, 0, 1, 1] }));
  const out = join(dir, "out");
  const result = run("attack", "--members", members, "--nonmembers", nonMembersPath, "--json", "--out", out);
  assert.is(result.status, 0, result.stderr);
  const parsed = JSON.parse(result.stdout);
  assert.equal(parsed.attacks.map((a: { name: string }) => a.name), ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness"]);
  for (const a of parsed.attacks) {
    for (const key of ["auc", "precision", "recall", "advantage"]) assert.type(a[key], "number");
    assert.type(a.tprAtFpr["0.001"], "number");
    assert.type(a.tprAtFpr["0.01"], "number");
  }
  assert.is(parsed.attacks[0].auc, 1);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.match(report.fingerprint, /^[0-9a-f]{64}$/);
  assert.is(report.versions.node, process.versions.node);
  assert.match(readFileSync(join(out, "report.html"), "utf8"), /^<!doctype html>/);
  assert.equal(readdirSync(out).sort(), ["report.html", "report.json"], "no temporary files left");
  const again = run("attack", "--members", members, "--nonmembers", nonMembersPath, "--json", "--out", out);
  assert.is(JSON.parse(readFileSync(join(out, "report.json"), "utf8")).fingerprint, report.fingerprint);
  assert.is(again.status, 0);
});

test("PACKAGE_VERSION matches package.json", async () => {
  const { PACKAGE_VERSION } = await import("../src/version.js");
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8"));
  assert.is(PACKAGE_VERSION, pkg.version);
});

test.run();
