// Model outputs from files (probabilities, logits, losses; every record file kind), the strict
// posterior formats, and the library taking plain nested arrays.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parsePosteriorCsv, parsePosteriorJson, readOutputFile } from "../src/attacks/posterior-files.js";
import { auditLosses, auditPosteriors } from "../src/audit-posteriors.js";
import { encodeNpy } from "../src/datasets/npy.js";
import { crossEntropyLoss } from "../src/kernels/index.js";
import { toPosteriors } from "../src/targets/output.js";

const test = suite("records: model-output files, strict posterior files, plain arrays");
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test("strict posterior CSV: hex numbers, float and string labels are named errors; CR-only lines parse", () => {
  assert.throws(() => parsePosteriorCsv("p0,p1\n0x1,0\n", "hex.csv"), /hex\.csv: line 2, field p0: expected a decimal number, got '0x1'/);
  assert.throws(() => parsePosteriorCsv("p0,p1,label\n0.5,0.5,1.0\n", "float.csv"), /float\.csv: line 2, field label: expected a class index from 0 to 1, got '1\.0'/);
  assert.throws(() => parsePosteriorCsv("p0,p1,label\n0.5,0.5,0x1\n", "hexl.csv"), /hexl\.csv: line 2, field label: expected a class index from 0 to 1, got '0x1'/);
  assert.throws(() => parsePosteriorCsv("p0,p1,label\n0.5,0.5,\n", "empty.csv"), /empty\.csv: line 2, field label: expected a class index from 0 to 1, got ''/);
  const cr = parsePosteriorCsv("p0,p1,label\r0.25,0.75,1\r1,0,0\r", "cr.csv");
  assert.equal([cr.posteriors.rows, Array.from(cr.labels!)], [2, [1, 0]]);
  assert.throws(() => parsePosteriorCsv("p0,p1,label\r0.25,0.75,1\r1,0\r", "crbad.csv"), /crbad\.csv: line 3: expected 3 fields, got 2/);
  const quoted = parsePosteriorCsv('"p0","p1","label"\n"0.5","0.5","1"\n', "q.csv");
  assert.equal(Array.from(quoted.labels!), [1]);
});

test("strict posterior JSON: labels null, {}, true, \"1\" and 1.5 are named errors", () => {
  const doc = (labels: string) => `{"posteriors": [[0.5, 0.5]], "labels": [${labels}]}`;
  assert.throws(() => parsePosteriorJson(doc("null"), "a.json"), /a\.json: labels\[0\]: expected a class index from 0 to 1, got null/);
  assert.throws(() => parsePosteriorJson(doc("{}"), "b.json"), /b\.json: labels\[0\]: expected a class index from 0 to 1, got an object/);
  assert.throws(() => parsePosteriorJson(doc("true"), "c.json"), /c\.json: labels\[0\]: expected a class index from 0 to 1, got true/);
  assert.throws(() => parsePosteriorJson(doc('"1"'), "d.json"), /d\.json: labels\[0\]: expected a class index from 0 to 1, got '1' \(a string\)/);
  assert.throws(() => parsePosteriorJson(doc("1.5"), "e.json"), /e\.json: labels\[0\]: expected a class index from 0 to 1, got 1\.5/);
  assert.throws(() => parsePosteriorJson(doc("[0]"), "f.json"), /f\.json: labels\[0\]: expected a class index from 0 to 1, got an array/);
  assert.throws(() => parsePosteriorJson('{"labels": [0]}', "g.json"), /g\.json: expected exactly one of "posteriors", "logits" or "losses", found none/);
});

test("readOutputFile: logits are detected (or declared) and softmaxed in float64, from CSV, JSON lines, .npz and JSON", async () => {
  const logits = [[2, -1, 0.5], [0, 0, 3]];
  const expected = Array.from(toPosteriors(logits.flat(), 2, 3, "logits", "x").posteriors.values);
  const csv = await readOutputFile(text("z0,z1,z2,label\n2,-1,0.5,0\n0,0,3,2\n"), "logits.csv");
  assert.is(csv.kind, "logits");
  assert.equal(Array.from(csv.posteriors!.values), expected);
  assert.equal(Array.from(csv.labels!), [0, 2]);
  const json = await readOutputFile(text(JSON.stringify({ logits, labels: [0, 2] })), "logits.json", { output: "logits" });
  assert.equal([json.kind, Array.from(json.posteriors!.values)], ["logits", expected]);
  const jsonl = await readOutputFile(text('{"out": [2, -1, 0.5], "y": 0}\n{"out": [0, 0, 3], "y": 2}\n'), "o.jsonl", { labelColumn: "y" });
  assert.equal([jsonl.kind, Array.from(jsonl.posteriors!.values), Array.from(jsonl.labels!)], ["logits", expected, [0, 2]]);
  const npy = await readOutputFile(encodeNpy(Float32Array.from(logits.flat()), [2, 3]), "o.npy", { labels: { bytes: encodeNpy(Int32Array.of(0, 2), [2]), fileName: "y.npy" } });
  assert.equal([npy.kind, Array.from(npy.labels!)], ["logits", [0, 2]]);
  const probs = await readOutputFile(text("0,1,label\n0.25,0.75,1\n0.5,0.5,0\n"), "pandas.csv");
  assert.equal([probs.kind, Array.from(probs.posteriors!.values), Array.from(probs.labels!)], ["probabilities", [0.25, 0.75, 0.5, 0.5], [1, 0]]);
  const oneRecord = await readOutputFile(text('{"out": [0.25, 0.75], "label": 1}'), "one.json");
  assert.equal([oneRecord.kind, Array.from(oneRecord.labels!)], ["probabilities", [1]]);
  const declared = await readOutputFile(text("p0,p1\n0.25,0.75\n"), "p.csv", { output: "logits" });
  assert.is(declared.kind, "logits");
  await assertRejects(readOutputFile(text("a,b\n2,-1\n"), "bad.csv", { output: "probabilities" }), /bad\.csv: row 0, class 0 is 2; probabilities lie in \[0, 1\] \(are these logits\? say --output logits\)/);
  await assertRejects(readOutputFile(text("a,b,label\n0.5,0.5,2\n"), "range.csv"), /range\.csv: record 0: label 2 is out of range; the outputs have 2 classes/);
  await assertRejects(readOutputFile(text("a,b,label\n0.5,0.5,cat\n"), "names.csv"), /names\.csv: labels are class names \(cat\)/);
  await assertRejects(readOutputFile(text("a,b\n0.5,0.5\n"), "two.csv", { labels: { bytes: text("1\n0\n"), fileName: "y.txt" } }), /y\.txt: 2 labels for the 1 records of two\.csv/);
});

test("readOutputFile: per-record losses from a one-column CSV, a 1-D .npy, JSON {losses}, Parquet", async () => {
  const csv = await readOutputFile(text("loss\n0.1\n2.5\n"), "l.csv");
  assert.equal([csv.kind, Array.from(csv.losses!)], ["losses", [Math.fround(0.1), 2.5]]);
  const npy = await readOutputFile(encodeNpy(Float64Array.of(0.5, 1), [2]), "l.npy");
  assert.equal([npy.kind, Array.from(npy.losses!)], ["losses", [0.5, 1]]);
  const json = await readOutputFile(text('{"losses": [0.25, 3]}'), "l.json");
  assert.equal([json.kind, Array.from(json.losses!)], ["losses", [0.25, 3]]);
  const parquet = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "loss", data: [0.75, 0.5], type: "DOUBLE" }] }));
  const pq = await readOutputFile(parquet, "l.parquet");
  assert.equal([pq.kind, Array.from(pq.losses!)], ["losses", [0.75, 0.5]]);
  await assertRejects(readOutputFile(text("a,b\n0.5,0.5\n"), "two.csv", { output: "losses" }), /two\.csv: --output losses expects one loss per record, found 2/);
  await assertRejects(readOutputFile(text('{"losses": [0.25, null]}'), "n.json"), /n\.json: losses\[1\]: expected a finite number, got null/);
});

test("auditLosses: only the loss attack, and the same figures as the loss attack on the posteriors", async () => {
  const members = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.95, 0.05]];
  const nonMembers = [[0.6, 0.4], [0.5, 0.5], [0.3, 0.7], [0.45, 0.55]];
  const membersLabels = [0, 1, 0, 0];
  const nonMembersLabels = [0, 1, 0, 0];
  const full = await auditPosteriors({ members, nonMembers, membersLabels, nonMembersLabels, attacks: ["loss"] });
  const loss = (rows: number[][], labels: number[]) =>
    Array.from(crossEntropyLoss({ values: Float32Array.from(rows.flat()), rows: rows.length, classes: 2 }, Int32Array.from(labels)));
  const fromLosses = await auditLosses({ members: loss(members, membersLabels), nonMembers: loss(nonMembers, nonMembersLabels) });
  const a = full.runs[0]!.attacks[0]!;
  const b = fromLosses.runs[0]!.attacks[0]!;
  assert.equal(fromLosses.runs[0]!.attacks.map((x) => x.name), ["loss"]);
  assert.equal(b.metrics, a.metrics);
  assert.match(fromLosses.notes.join("\n"), /only the loss attack runs/);
  await assertRejects(auditLosses({ members: [0.1, NaN], nonMembers: [1] }), /members\[1\]: expected a finite number, got null/);
});

test("auditPosteriors takes plain nested arrays and number[] labels (same report as typed arrays); bad shapes are named", async () => {
  const members = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]];
  const nonMembers = [[0.6, 0.4], [0.5, 0.5], [0.3, 0.7]];
  const plain = await auditPosteriors({ members, nonMembers, membersLabels: [0, 1, 0], nonMembersLabels: [1, 1, 0] });
  const typed = await auditPosteriors({
    members: { values: Float32Array.from(members.flat()), rows: 3, classes: 2 },
    nonMembers: { values: Float32Array.from(nonMembers.flat()), rows: 3, classes: 2 },
    membersLabels: Int32Array.of(0, 1, 0),
    nonMembersLabels: Int32Array.of(1, 1, 0),
  });
  assert.equal(plain, typed);
  assert.is(plain.runs[0]!.attacks.length, 5);
  await assertRejects(auditPosteriors({ members, nonMembers: [[0.5, 0.5], [1]] }), /nonMembers\[1\]: expected an array of 2 numbers \(like nonMembers\[0\]\), got an array of 1/);
  await assertRejects(auditPosteriors({ members: [[0.5, "0.5"]] as unknown as number[][], nonMembers }), /members\[0\]\[1\]: expected a finite number, got "0\.5"/);
  await assertRejects(auditPosteriors({ members, nonMembers, membersLabels: [0, 1.5, 0], nonMembersLabels: [0, 0, 0] }), /membersLabels\[1\]: expected an integer class index >= 0, got 1\.5/);
  await assertRejects(auditPosteriors({ members, nonMembers, membersLabels: [0, 1, 2], nonMembersLabels: [0, 0, 0] }), /members: label of row 2 is 2, expected a class index from 0 to 1/);
  await assertRejects(auditPosteriors({ members: undefined, nonMembers } as unknown as Parameters<typeof auditPosteriors>[0]), /members: expected posteriors as an array of rows \(number\[\]\[\]\) or \{values, rows, classes\}, got undefined/);
  await assertRejects(auditPosteriors({ members: [[2, -1]], nonMembers }), /members: row 0, class 0: 2 is not a probability/);
});

async function assertRejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test.run();
