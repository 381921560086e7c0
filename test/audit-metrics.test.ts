// Attack metrics against hand-computed cases; posterior-file parsers; the posteriors-only audit;
// report JSON/HTML. Portable: runs under Node and Deno.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { liraAttack, normalQuantile, rmiaAttack, scaledLogit } from "../src/attacks/lira.js";
import { correctnessAttack, entropyAttack, lossAttack, maxPosteriorAttack } from "../src/attacks/metric.js";
import { parsePosteriorCsv, parsePosteriorFile, parsePosteriorJson } from "../src/attacks/posterior-files.js";
import { encodeNpy } from "../src/datasets/npy.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { initKernels } from "../src/kernels/index.js";
import { downsampleRoc, evaluateAttack } from "../src/metrics/evaluate.js";
import { renderReportHtml } from "../src/report/html.js";
import { buildReportDocument, canonicalJson, fingerprintReport } from "../src/report/json.js";
import type { Posteriors } from "../src/types.js";

const test = suite("audit metrics");
test.before(async () => {
  await initKernels();
});

const close = (actual: number, expected: number, what: string, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) < tolerance, `${what}: ${actual} != ${expected}`);
/** Kernel statistics are float32. */
const near = (actual: number, expected: number, what: string) => close(actual, expected, what, 1e-6);

test("metrics of a small hand-computed case", () => {
  // Sorted: 0.9 M, 0.8 M, 0.7 N, 0.6 M, 0.55 N, 0.4 N. Member-beats-non-member pairs: 3 + 3 + 2 of 9.
  const { metrics, roc } = evaluateAttack("hand", {
    members: Float64Array.of(0.9, 0.8, 0.6),
    nonMembers: Float64Array.of(0.7, 0.55, 0.4),
    threshold: 0.6,
    thresholdRule: "given",
  });
  close(metrics.auc, 8 / 9, "auc");
  assert.equal([metrics.tp, metrics.fp, metrics.tn, metrics.fn], [3, 1, 2, 0]);
  close(metrics.precision, 0.75, "precision");
  close(metrics.recall, 1, "recall");
  close(metrics.accuracy, 5 / 6, "accuracy");
  close(metrics.tprAtFpr["0.001"], 2 / 3, "tpr@0.1%");
  close(metrics.tprAtFpr["0.01"], 2 / 3, "tpr@1%");
  close(metrics.advantage, 2 / 3, "advantage");
  assert.equal(roc.fpr, [0, 0, 0, 0.3333333, 0.3333333, 0.6666667, 1]);
  assert.equal(roc.tpr, [0, 0.3333333, 0.6666667, 0.6666667, 1, 1, 1]);
});

test("ties count one half; a threshold above every score predicts no member", () => {
  const { metrics } = evaluateAttack("ties", { members: Float64Array.of(1, 0.5), nonMembers: Float64Array.of(1, 0.5), threshold: 2, thresholdRule: "" });
  close(metrics.auc, 0.5, "auc");
  close(metrics.advantage, 0, "advantage");
  assert.equal([metrics.tp, metrics.fp, metrics.precision, metrics.recall, metrics.accuracy], [0, 0, 0, 0, 0.5]);
});

test("NaN scores and empty sides are errors that name the attack", () => {
  assert.throws(() => evaluateAttack("x", { members: Float64Array.of(NaN), nonMembers: Float64Array.of(0), threshold: 0, thresholdRule: "" }), /attack x: score of member 0 is NaN/);
  assert.throws(() => evaluateAttack("y", { members: new Float64Array(0), nonMembers: Float64Array.of(0), threshold: 0, thresholdRule: "" }), /attack y: needs at least one member/);
});

test("ROC downsampling keeps endpoints, order and low-FPR steps, and bounds the size", () => {
  const n = 100001;
  const fpr = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const tpr = Float64Array.from(fpr, (f) => Math.sqrt(f));
  const roc = downsampleRoc(fpr, tpr);
  assert.ok(roc.fpr.length < 2500, `${roc.fpr.length} points`);
  assert.is(roc.fpr[0], 0);
  assert.is(roc.fpr[roc.fpr.length - 1], 1);
  for (let i = 1; i < roc.fpr.length; i++) assert.ok(roc.fpr[i]! >= roc.fpr[i - 1]! && roc.tpr[i]! >= roc.tpr[i - 1]!);
  assert.ok(roc.fpr.filter((f) => f > 0 && f <= 1e-3).length >= 40, "low-FPR resolution");
});

const posteriors = (rows: number[][]): Posteriors => ({ values: Float32Array.from(rows.flat()), rows: rows.length, classes: rows[0]!.length });

test("adversary 3: threshold is the top-t percentile of the noise queries' max posteriors", async () => {
  // Noise max posteriors 0.50, 0.55, ..., 1.00 (11 values): the 90th percentile is 0.95.
  const noise = posteriors(Array.from({ length: 11 }, (_, i) => [0.5 + 0.05 * i, 0.5 - 0.05 * i]));
  const target = { members: posteriors([[0.99, 0.01], [0.97, 0.03]]), nonMembers: posteriors([[0.6, 0.4], [0.96, 0.04]]) };
  const scores = await maxPosteriorAttack(10).score(target, { seed: 0, noise });
  near(scores.threshold, 0.95, "threshold");
  const { metrics } = evaluateAttack("adversary-3-max", scores);
  assert.equal([metrics.tp, metrics.fp], [2, 1]);
  const entropy = await entropyAttack(10).score(target, { seed: 0, noise });
  // Entropy decreases with the max posterior for two classes: same ordering, negated scores.
  assert.ok(entropy.members[0]! > entropy.members[1]! && entropy.members[1]! > entropy.nonMembers[0]!);
});

test("label attacks: loss and correctness on hand-made posteriors; labels required", async () => {
  const target = {
    members: posteriors([[0.9, 0.1], [0.2, 0.8]]),
    nonMembers: posteriors([[0.4, 0.6], [0.7, 0.3]]),
    membersLabels: Int32Array.of(0, 1),
    nonMembersLabels: Int32Array.of(0, 1),
  };
  const loss = await lossAttack().score(target, { seed: 0 });
  near(loss.members[0]!, Math.log(0.9), "-loss of member 0");
  near(loss.nonMembers[1]!, Math.log(0.3), "-loss of non-member 1");
  const correct = await correctnessAttack().score(target, { seed: 0 });
  assert.equal(Array.from(correct.members), [1, 1]);
  assert.equal(Array.from(correct.nonMembers), [0, 0]);
  await lossAttack()
    .score({ members: target.members, nonMembers: target.nonMembers }, { seed: 0 })
    .then(() => assert.unreachable("labels are required"), (e: Error) => assert.match(e.message, /loss: needs the true labels of the members/));
});

test("LiRA and RMIA on synthetic reference models: members stand out, formulas by hand", async () => {
  near(normalQuantile(0.9), 1.2815515655446004, "z(0.9)");
  near(normalQuantile(0.001), -3.090232306167813, "z(0.001)");
  near(scaledLogit(posteriors([[0.8, 0.15, 0.05]]), Int32Array.of(0), 0), Math.log(0.8 / 0.2), "scaled logit");
  // 6 records (3 members, 3 non-members), 2 classes, label 0; 4 reference models, each IN on half.
  const conf = (c: number) => [c, 1 - c];
  const target = {
    members: posteriors([conf(0.95), conf(0.9), conf(0.85)]),
    nonMembers: posteriors([conf(0.6), conf(0.55), conf(0.7)]),
    membersLabels: new Int32Array(3),
    nonMembersLabels: new Int32Array(3),
  };
  const included = [Uint8Array.of(1, 1, 1, 1, 1, 1), Uint8Array.of(1, 1, 1, 1, 1, 1), new Uint8Array(6), new Uint8Array(6)];
  const onTarget = included.map((inc, m) => posteriors(Array.from(inc, (i, r) => conf(i ? 0.9 : 0.6 + 0.01 * ((r + m) % 3)))));
  const population = { target: posteriors([conf(0.6), conf(0.65), conf(0.5), conf(0.7)]), references: onTarget.map(() => posteriors([conf(0.6), conf(0.6), conf(0.6), conf(0.6)])), labels: new Int32Array(4) };
  const context = { seed: 0, references: { onTarget, included, population } };
  for (const attack of [liraAttack("offline"), liraAttack("online"), rmiaAttack()]) {
    const { metrics } = evaluateAttack(attack.name, await attack.score(target, context));
    close(metrics.auc, 1, `${attack.name} AUC`);
  }
  // RMIA by hand for member 0: Pr(x) = ((1.3) * mean(0.6, 0.61) + 0.7) / 2; ratio = 0.95 / Pr(x) beats all 4 z.
  const rmia = await rmiaAttack().score(target, context);
  close(rmia.members[0]!, 1, "member 0 beats every population record");
  await liraAttack("offline").score(target, { seed: 0 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /lira-offline: needs reference models/));
});

test("CSV posteriors: header, optional label, errors with line and field", () => {
  const ok = parsePosteriorCsv("p1,p0,label\r\n0.25,0.75,0\n0.5,0.5,1\n\n", "a.csv");
  assert.equal(Array.from(ok.posteriors.values), [0.75, 0.25, 0.5, 0.5]);
  assert.equal(Array.from(ok.labels!), [0, 1]);
  assert.is(parsePosteriorCsv("p0,p1\n1,0\n", "b.csv").labels, undefined);
  assert.throws(() => parsePosteriorCsv("p0,p1\n0.5,abc\n", "c.csv"), /c\.csv: line 2, field p1: expected a decimal number, got 'abc'/);
  assert.throws(() => parsePosteriorCsv("p0,p2\n0.5,0.5\n", "d.csv"), /d\.csv: line 1: column p1 is missing/);
  assert.throws(() => parsePosteriorCsv("p0,p1,x\n", "e.csv"), /e\.csv: line 1, column 3: unexpected header 'x'/);
  assert.throws(() => parsePosteriorCsv("p0,p1\n0.5\n", "f.csv"), /f\.csv: line 2: expected 2 fields, got 1/);
  assert.throws(() => parsePosteriorCsv("p0,p1,label\n0.5,0.5,2\n", "g.csv"), /g\.csv: line 2, field label: expected a class index from 0 to 1, got '2'/);
  assert.throws(() => parsePosteriorCsv("p0,p1\n2.5,-1.5\n", "h.csv"), /h\.csv: line 2, class 0: 2\.5 is not a probability/);
  assert.throws(() => parsePosteriorCsv("p0,p1\n0.5,0.6\n", "i.csv"), /i\.csv: line 2: probabilities sum to 1\.10000/);
  assert.throws(() => parsePosteriorCsv("p0,p1\n", "j.csv"), /j\.csv: no records/);
});

test("JSON posteriors: shape and field errors", () => {
  const ok = parsePosteriorJson('{"posteriors": [[0.1, 0.9], [1, 0]], "labels": [1, 0]}', "a.json");
  assert.is(ok.posteriors.rows, 2);
  assert.equal(Array.from(ok.labels!), [1, 0]);
  assert.throws(() => parsePosteriorJson("{", "b.json"), /b\.json: not valid JSON/);
  assert.throws(() => parsePosteriorJson('{"posteriors": [[0.5, 0.5], [1]]}', "c.json"), /c\.json: posteriors\[1\]: expected an array of 2 numbers/);
  assert.throws(() => parsePosteriorJson('{"posteriors": [[0.5, "x"]]}', "d.json"), /d\.json: posteriors\[0\]\[1\]: expected a number, got "x"/);
  assert.throws(() => parsePosteriorJson('{"posteriors": [[0.5, 0.5]], "labels": [3]}', "e.json"), /e\.json: labels\[0\]: expected a class index from 0 to 1/);
  assert.throws(() => parsePosteriorJson('{"posteriors": [[0.5, 0.5]], "extra": 1}', "f.json"), /f\.json: unexpected field 'extra'/);
});

test(".npy posteriors: 2-D float arrays only", () => {
  const ok = parsePosteriorFile(encodeNpy(Float64Array.of(0.25, 0.75, 1, 0), [2, 2]), "a.npy");
  assert.equal([ok.posteriors.rows, ok.posteriors.classes], [2, 2]);
  assert.equal(Array.from(ok.posteriors.values), [0.25, 0.75, 1, 0]);
  assert.throws(() => parsePosteriorFile(encodeNpy(Float32Array.of(0.5, 0.5), [2]), "b.npy"), /b\.npy: expected a 2-D array/);
  assert.throws(() => parsePosteriorFile(encodeNpy(Int32Array.of(1, 0), [1, 2]), "c.npy"), /c\.npy: expected float32 or float64/);
  assert.throws(() => parsePosteriorFile(encodeNpy(Float32Array.of(0.9, 0.9), [1, 2]), "d.npy"), /d\.npy: row 0: probabilities sum to 1\.8/);
  assert.throws(() => parsePosteriorFile(Uint8Array.of(1, 2, 3), "e.npy"), /e\.npy/);
  assert.throws(() => parsePosteriorFile(Uint8Array.of(1), "f.parquet"), /f\.parquet: unknown file type/);
});

test("posteriors-only audit: skips label attacks without labels, reports accuracy with them", async () => {
  const members = posteriors([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2]]);
  const nonMembers = posteriors([[0.6, 0.4], [0.5, 0.5], [0.3, 0.7]]);
  const bare = await auditPosteriors({ members, nonMembers });
  assert.equal(bare.runs[0]!.attacks.map((a) => a.name), ["adversary-3-max", "adversary-3-entropy"]);
  assert.is(bare.notes.length, 3);
  const labelled = await auditPosteriors({ members, nonMembers, membersLabels: Int32Array.of(0, 1, 0), nonMembersLabels: Int32Array.of(1, 1, 1) });
  assert.is(labelled.runs[0]!.attacks.length, 5);
  const t = labelled.runs[0]!.target;
  close(t.trainAccuracy!, 1, "train accuracy");
  close(t.testAccuracy!, 1 / 3, "test accuracy (ties go to the lowest index)");
  close(labelled.runs[0]!.attacks[0]!.metrics.auc, 1, "max-posterior AUC");
  await auditPosteriors({ members, nonMembers: posteriors([[0.2, 0.3, 0.5]]) }).then(
    () => assert.unreachable("class mismatch"),
    (e: Error) => assert.match(e.message, /members have 2 classes but non-members have 3/),
  );
});

test("report: canonical JSON, fingerprint ignores timings and versions, HTML is self-contained", async () => {
  assert.is(canonicalJson({ b: 1, a: { d: Infinity, c: [2, NaN] } }), '{"a":{"c":[2,"NaN"],"d":"Infinity"},"b":1}');
  const report = await auditPosteriors({ members: posteriors([[0.9, 0.1], [0.7, 0.3]]), nonMembers: posteriors([[0.6, 0.4], [0.2, 0.8]]), seed: 3 });
  const a = await buildReportDocument(report, { version: "1", versions: { node: "a" }, timings: { total: 1 } });
  const b = await buildReportDocument(report, { version: "2", versions: { node: "b" }, timings: { total: 2 } });
  assert.is(a.fingerprint, b.fingerprint);
  assert.match(a.fingerprint, /^[0-9a-f]{64}$/);
  assert.is.not(await fingerprintReport({ ...report, seed: 4 }), a.fingerprint);
  const html = renderReportHtml(a);
  assert.match(html, /<svg/);
  assert.match(html, /log-log/);
  assert.not.match(html, /<script|src=|href=/);
});

test.run();
