// The issue-13 attacks' options through the real binary: `mlleaks audit --model` and `--dataset` with
// label-only-boundary and --boundary-queries (the report's rule states the queries used, the
// target summary counts them), --augmentations on the bundled digits images, and usage errors that
// name the flag.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { fixturePath } from "./targets-fixtures.js";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-new-attacks-"));
const mlleaks = (...args: string[]) => spawnSync(process.execPath, [bin, "audit", ...args, "--json", "--out", dir], { encoding: "utf8" });
const test = suite("mlleaks audit: --boundary-queries, --augmentations");
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** --json prints the report. */
interface Report {
  runs: { target: { queries: number }; attacks: { name: string; metrics: { thresholdRule: string } }[] }[];
}
const names = (stdout: string) => (JSON.parse(stdout) as Report).runs[0]!.attacks.map((a) => a.name);

test("label-only-boundary on digits-mlp.onnx within --boundary-queries; --augmentations on digits images", () => {
  const model = ["--model", fixturePath("digits-mlp.onnx"), "--members", fixturePath("digits-mlp.members.npz"), "--nonmembers", fixturePath("digits-mlp.nonmembers.npz")];
  const boundary = mlleaks(...model, "--attacks", "label-only-boundary", "--boundary-queries", "20", "--adversary", "3");
  assert.is(boundary.status, 0, boundary.stderr);
  assert.equal(names(boundary.stdout), ["adversary-3-max", "adversary-3-entropy", "label-only-boundary"]);
  const report = JSON.parse(boundary.stdout) as Report;
  const rule = report.runs[0]!.attacks.find((a) => a.name === "label-only-boundary")!.metrics.thresholdRule;
  const [, total, most] = /label queries: (\d+) in all, at most (\d+) per record of the budget 20/.exec(rule) ?? [];
  assert.ok(Number(most) <= 20 && Number(total) > 0, rule);
  // Members, non-members, 1000 noise queries and the search's.
  assert.is(report.runs[0]!.target.queries, 898 + 1000 + Number(total));

  const augmented = mlleaks("--dataset", "digits", "--part-size", "150", "--epochs", "5", "--shadows", "2", "--target", "mlp", "--adversary", "1", "--attacks", "lira", "--augmentations", "3", "--workers", "1");
  assert.is(augmented.status, 0, augmented.stderr);
  assert.equal(names(augmented.stdout), ["adversary-1", "lira-offline", "lira-online"]);
  assert.match((JSON.parse(augmented.stdout) as Report).runs[0]!.attacks[1]!.metrics.thresholdRule, /3 queries per record \(identity, flip, shift/);
});

test("label-only-boundary with --dataset: it queries the target the audit trained, within --boundary-queries", () => {
  const result = mlleaks("--dataset", "purchase", "--part-size", "100", "--epochs", "10", "--adversary", "3", "--attacks", "loss,label-only-boundary", "--boundary-queries", "10", "--workers", "1");
  assert.is(result.status, 0, result.stderr);
  assert.equal(names(result.stdout), ["adversary-3-max", "adversary-3-entropy", "loss", "label-only-boundary"]);
  const rule = (JSON.parse(result.stdout) as Report).runs[0]!.attacks[3]!.metrics.thresholdRule;
  const [, total, most] = /label queries: (\d+) in all, at most (\d+) per record of the budget 10/.exec(rule) ?? [];
  assert.ok(Number(most) <= 10 && Number(total) > 0, rule);
});

test("usage errors name the flag", () => {
  const bad = mlleaks("--dataset", "digits", "--attacks", "lira", "--augmentations", "0");
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--augmentations: expected a positive integer/);
  const tabular = mlleaks("--dataset", "purchase", "--part-size", "50", "--epochs", "1", "--shadows", "2", "--adversary", "1", "--attacks", "lira", "--augmentations", "2", "--workers", "1");
  assert.is(tabular.status, 1);
  assert.match(tabular.stderr, /apply to images, records of shape \[height, width, channels\]; these records have shape \[216\]/);
  const budget = mlleaks("--dataset", "digits", "--attacks", "label-only-boundary", "--boundary-queries", "0");
  assert.is(budget.status, 2, budget.stderr);
  assert.match(budget.stderr, /--boundary-queries: expected a positive integer/);
});

test.run();
