// Per-record risk: ranks with ties, the table's shape and CSV/Parquet forms, and `mlleaks audit
// --per-record` through the real binary on both paths: the ML-Leaks audit (audit(), CSV, with
// --noise marginal) and the user's ONNX model (auditModel(), Parquet read back with hyparquet).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parquetReadObjects } from "hyparquet";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels } from "../src/kernels/index.js";
import { descendingRanks, mostExposed, perRecordCsv, perRecordParquet, perRecordTable, type PerRecordRun } from "../src/metrics/per-record.js";
import { validate } from "./json-schema.js";
import { fixturePath } from "./targets-fixtures.js";

const schema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schema/report.schema.json", import.meta.url)), "utf8"));

const test = suite("per-record risk");
const dir = mkdtempSync(join(tmpdir(), "mlleaks-per-record-"));
test.before(async () => {
  await initKernels();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("ranks: highest score first, ties share the best rank (competition ranking)", () => {
  assert.equal([...descendingRanks(Float64Array.from([0.2, 0.9, 0.5, 0.9, -0, 0]))], [4, 1, 3, 1, 5, 5]);
});

// Two members, two non-members, three classes; posteriors rows sum to 1.
const posteriors = (values: number[]) => ({ values: Float32Array.from(values), rows: values.length / 3, classes: 3 });
const run: PerRecordRun = {
  defence: "none",
  target: {
    members: posteriors([0.8, 0.1, 0.1, 0.2, 0.7, 0.1]),
    nonMembers: posteriors([0.3, 0.3, 0.4, 0.5, 0.25, 0.25]),
    membersLabels: Int32Array.from([0, 1]),
    nonMembersLabels: Int32Array.from([2, 1]),
  },
  attacks: [
    { name: "weak", auc: 0.5, scores: { members: Float64Array.from([0.1, 0.4]), nonMembers: Float64Array.from([0.4, 0.2]) } },
    { name: "strong", auc: 1, scores: { members: Float64Array.from([3, 2]), nonMembers: Float64Array.from([1, 0]) } },
  ],
};

test("the table: one row per record, loss = -ln p(true class), scores and ranks per attack; CSV and Parquet agree", async () => {
  const table = perRecordTable([run]);
  assert.equal(table.member, [1, 1, 0, 0]);
  assert.equal(table.record, [0, 1, 0, 1]);
  assert.equal(table.class, [0, 1, 2, 1]);
  table.loss.forEach((l, i) => assert.ok(Math.abs(l! + Math.log([0.8, 0.7, 0.4, 0.25][i]!)) < 1e-6, `loss ${i}: ${l}`));
  assert.equal(table.ranks.weak, [4, 1, 1, 3]);
  assert.equal(table.ranks.strong, [1, 2, 3, 4]);
  const csv = perRecordCsv(table).trim().split("\n");
  assert.is(csv[0], "defence,record,member,class,loss,score weak,rank weak,score strong,rank strong");
  assert.is(csv.length, 5);
  assert.match(csv[3]!, /^none,0,0,2,0\.916\d+,0\.4,1,1,3$/);
  const rows = await parquetReadObjects({ file: await perRecordParquet(table) });
  assert.is(rows.length, 4);
  assert.equal(rows.map((r) => r["rank strong"]), [1, 2, 3, 4]);
  assert.equal(rows.map((r) => r.class), [0, 1, 2, 1]);
  const exposed = mostExposed([run], table, 3);
  assert.equal(exposed.map((r) => [r.attack, r.member, r.record, r.rank]), [["strong", true, 0, 1], ["strong", true, 1, 2], ["strong", false, 0, 3]]);
});

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, "audit", ...args], { encoding: "utf8" });

test("mlleaks audit --per-record FILE.csv (the ML-Leaks audit, --noise marginal): every record, the most exposed in the report", () => {
  const file = join(dir, "records.csv");
  const out = join(dir, "audit");
  const result = cli("--dataset", "dna", "--part-size", "120", "--epochs", "3", "--attack-epochs", "3", "--noise-queries", "100", "--noise", "marginal", "--adversary", "1,3", "--attacks", "loss", "--defence", "none", "--workers", "1", "--per-record", file, "--out", out);
  assert.is(result.status, 0, result.stderr);
  const lines = readFileSync(file, "utf8").trim().split("\n");
  assert.is(lines.length, 1 + 240, "a header and 120 members + 120 non-members");
  assert.match(lines[0]!, /^defence,record,member,class,loss,score adversary-1,rank adversary-1,/);
  assert.match(lines[0]!, /score loss,rank loss$/);
  assert.equal(readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "no temporary file left");
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.is(report.mostExposed.length, 10);
  assert.equal(report.mostExposed.map((r: { rank: number }) => r.rank), [...report.mostExposed.map((r: { rank: number }) => r.rank)].sort((a: number, b: number) => a - b));
  assert.equal(validate(schema, report), [], "report.json with mostExposed validates");
  assert.is(report.config.noise, "marginal");
  assert.ok(report.notes.some((n: string) => /drawn from each feature's values in the shadow parts/.test(n)), report.notes.join("\n"));
  assert.match(result.stdout, /most exposed records/);
});

test("mlleaks audit --model ... --per-record FILE.parquet (auditModel): read back with hyparquet", async () => {
  const file = join(dir, "records.parquet");
  const digits = (part: string) => fixturePath(`digits-mlp.${part}`);
  const result = cli("--model", digits("onnx"), "--members", digits("members.npz"), "--nonmembers", digits("nonmembers.npz"), "--attacks", "loss,correctness", "--workers", "1", "--per-record", file, "--out", join(dir, "model"));
  assert.is(result.status, 0, result.stderr);
  assert.ok(existsSync(file));
  const buffer = readFileSync(file);
  const rows = await parquetReadObjects({ file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) });
  const report = JSON.parse(readFileSync(join(dir, "model", "report.json"), "utf8"));
  const { members, nonMembers } = report.runs[0].attacks[0].metrics;
  assert.is(rows.length, members + nonMembers);
  assert.ok(rows.every((r) => typeof r["score loss"] === "number" && Number.isInteger(r["rank correctness"])));
  assert.is(report.mostExposed.length, 10);
});

test.run();
