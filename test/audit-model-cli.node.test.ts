// `mlleaks audit --model ...` through the real binary: the ONNX fixture audited end to end (exit 0,
// reports written), `--dataset ./my.csv` running the ML-Leaks split on the user's table, and bad
// input, each a named error with exit 1: a corrupt .onnx, records that do not fit the model's input,
// a missing label column, a CSV with a missing value, an endpoint answering NaN, an unknown model spec.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { fixturePath, fixtureRecords } from "./targets-fixtures.js";
import { parseNpz } from "../src/records/npz.js";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-audit-model-"));
const digits = (part: string) => fixturePath(`digits-mlp.${part}`);

/** Runs the CLI without blocking this process (the endpoint test serves from it). */
function mlleaks(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "audit", ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The digits records as a CSV: 64 feature columns and a label column named `digit`. */
async function digitsCsv(name: string, part: "members" | "nonmembers", edit?: (lines: string[]) => void): Promise<string> {
  const data = await fixtureRecords("digits-mlp", part);
  const lines = [[...Array.from({ length: 64 }, (_, i) => `px${i}`), "digit"].join(",")];
  for (let r = 0; r < data.labels.length; r++) lines.push([...data.features.subarray(r * 64, (r + 1) * 64), data.labels[r]].join(","));
  edit?.(lines);
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const test = suite("audit --model (CLI)");
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("mlleaks audit --model digits-mlp.onnx: the full report, written", async () => {
  const out = join(dir, "report");
  const args = ["--model", digits("onnx"), "--members", digits("members.npz"), "--nonmembers", digits("nonmembers.npz"), "--population", digits("population.npz")];
  const signals = join(dir, "signals.npz");
  const result = await mlleaks(...args, "--epochs", "10", "--attack-epochs", "10", "--shadows", "2", "--noise-queries", "200", "--workers", "1", "--out", out, "--save-signals", signals, "--alpha", "0.05", "--rmia-gamma", "2");
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /target onnx, defence none: train 98\.0%, test 92\.4%/);
  assert.match(result.stdout, /Adversary 1 \(mlp shadow, top-3\)/);
  assert.match(result.stdout, /RMIA/);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.is(report.mode, "model");
  assert.is(report.runs[0].target.source, "onnx");
  assert.is(report.runs[0].attacks.length, 17);
  assert.ok(existsSync(join(out, "report.html")));
  assert.is(report.config.alpha, 0.05);
  assert.match(report.runs[0].attacks.find((a: { name: string }) => a.name === "rmia").title, /gamma 2/);
  // --save-signals: what LiRA and RMIA consumed, as numpy.savez would write it.
  const npz = parseNpz(new Uint8Array(readFileSync(signals)), signals);
  assert.equal([...npz.keys()].sort(), ["in_out", "labels", "membership", "population_labels", "population_reference_posteriors", "population_target_posteriors", "reference_posteriors", "target_posteriors"]);
  assert.equal(npz.get("reference_posteriors")!.shape, [2, 898, 10]);
  assert.match(result.stderr, /signals: .*signals\.npz \(2 reference models, 898 records\)/);
});

test("mlleaks audit --dataset ./my.csv: the ML-Leaks split on the user's table", async () => {
  const csv = await digitsCsv("digits.csv", "members");
  const result = await mlleaks("--dataset", csv, "--label-column", "digit", "--part-size", "100", "--epochs", "5", "--attack-epochs", "5", "--noise-queries", "100", "--workers", "1", "--out", join(dir, "csv-report"));
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /target mlp, defence none/);
  const report = JSON.parse(readFileSync(join(dir, "csv-report", "report.json"), "utf8"));
  assert.is(report.dataset.name, "digits.csv");
  assert.is(report.dataset.featureKind, "pixels");
});

test("the attack options' usage errors: exit 2, named", async () => {
  const common = ["--model", digits("onnx"), "--members", digits("members.npz"), "--nonmembers", digits("nonmembers.npz"), "--out", join(dir, "never")];
  for (const [extra, pattern] of [
    [["--alpha", "1.5"], /--alpha: expected an FPR between 0 and 1/],
    [["--rmia-a", "big"], /--rmia-a expects a number from 0 to 1 or 'calibrated', got 'big'/],
    [["--save-signals", "s.csv"], /--save-signals expects a FILE\.npz, got 's\.csv'/],
  ] as [string[], RegExp][]) {
    const result = await mlleaks(...common, ...extra);
    assert.is(result.status, 2, result.stderr);
    assert.match(result.stderr, pattern);
  }
  assert.not.ok(existsSync(join(dir, "never")));
});

test("bad input: each a named error, exit 1, no report", async () => {
  const corrupt = join(dir, "corrupt.onnx");
  writeFileSync(corrupt, readFileSync(digits("onnx")).subarray(0, 5000));
  const common = ["--members", digits("members.npz"), "--nonmembers", digits("nonmembers.npz"), "--out", join(dir, "never")];
  const cases: [string[], RegExp][] = [
    [["--model", corrupt, ...common], /corrupt\.onnx/],
    [["--model", fixturePath("fashion-cnn-logits.onnx"), ...common], /the records have shape \[64\] \(64 values\) but .*fashion-cnn-logits\.onnx takes input of shape \[1,28,28\] \(784 values\)/],
    [["--model", join(dir, "model.txt"), ...common], /model\.txt/],
  ];
  writeFileSync(join(dir, "model.txt"), "not a model");
  const members = await digitsCsv("m.csv", "members");
  const holes = await digitsCsv("holes.csv", "nonmembers", (lines) => (lines[5] = lines[5]!.replace(/^[^,]*,/, ",")));
  cases.push([["--model", digits("onnx"), "--members", members, "--nonmembers", members, "--label-column", "label", "--out", join(dir, "never")], /label/]);
  cases.push([["--model", digits("onnx"), "--members", members, "--nonmembers", holes, "--label-column", "digit", "--out", join(dir, "never")], /holes\.csv.*(line 6|record 4|row)/]);
  for (const [args, pattern] of cases) {
    const result = await mlleaks(...args);
    assert.is(result.status, 1, `${args.join(" ")}\n${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.not.match(result.stderr, /\n\s+at /, "no stack trace");
  }
  assert.not.ok(existsSync(join(dir, "never")), "no report for a failed audit");
});

test("an endpoint answering NaN: a named error, exit 1", async () => {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(`{"predictions": [${Array.from({ length: 64 }, () => "[NaN, 0.5, 0.5]").join(",")}]}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models/digits`;
    const result = await mlleaks("--model", url, "--members", digits("members.npz"), "--nonmembers", digits("nonmembers.npz"), "--out", join(dir, "never"));
    assert.is(result.status, 1, result.stderr);
    assert.match(result.stderr, /NaN/);
  } finally {
    server.close();
  }
});

test.run();
