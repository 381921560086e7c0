// Attack-P (Ye et al.) where only posteriors are at hand: auditPosteriors() and the edge handler take
// the target's posteriors on population records (records it never trained on, with labels) and run
// attack-P beside the metric attacks; without them the defaults are unchanged and an explicit
// attack-p is skipped with its reason. Posteriors: the ONNX fixture digits-mlp.onnx on its records.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { fetch as leakageCheck } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import type { Posteriors } from "../src/types.js";
import { fixtureBytes, fixtureRecords } from "./targets-fixtures.js";

const test = suite("attack-P from posteriors: auditPosteriors and the edge handler");
const METRIC = ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness"];
let sides: { members: Posteriors; nonMembers: Posteriors; population: Posteriors; labels: Record<"members" | "nonMembers" | "population", Int32Array> };

test.before(async () => {
  await initKernels();
  const [members, nonMembers, population] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers"), fixtureRecords("digits-mlp", "population")]);
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    const ask = (d: typeof members) => target.predict(d.features, d.labels.length);
    sides = { members: await ask(members), nonMembers: await ask(nonMembers), population: await ask(population), labels: { members: members.labels, nonMembers: nonMembers.labels, population: population.labels } };
  } finally {
    await target.dispose();
  }
});

const base = () => ({ members: sides.members, nonMembers: sides.nonMembers, membersLabels: sides.labels.members, nonMembersLabels: sides.labels.nonMembers });

test("with population posteriors attack-p runs by default: the loss attack's ranking, its FPR near alpha", async () => {
  const report = await auditPosteriors({ ...base(), population: { posteriors: sides.population, labels: sides.labels.population }, alpha: 0.1 });
  const attacks = report.runs[0]!.attacks;
  assert.equal(attacks.map((a) => a.name), [...METRIC, "attack-p"]);
  const p = attacks.find((a) => a.name === "attack-p")!.metrics;
  const loss = attacks.find((a) => a.name === "loss")!.metrics;
  assert.ok(p.auc > 0.55 && Math.abs(p.auc - loss.auc) < 0.01, `attack-p AUC ${p.auc}, loss ${loss.auc}`);
  const fpr = p.fp / (p.fp + p.tn);
  assert.ok(fpr > 0.03 && fpr < 0.2, `FPR ${fpr} at alpha 0.1`);
  assert.match(p.thresholdRule, /0.1 quantile of the target's losses on 898 population records/);
  assert.equal([report.config.populationRecords, report.config.alpha], [898, 0.1]);
});

test("without population: the defaults as before; attack-p asked for is skipped with its reason", async () => {
  const plain = await auditPosteriors(base());
  assert.equal(plain.runs[0]!.attacks.map((a) => a.name), METRIC);
  assert.is(plain.config.populationRecords, undefined);
  const asked = await auditPosteriors({ ...base(), attacks: ["loss", "attack-p"] });
  assert.equal(asked.runs[0]!.attacks.map((a) => a.name), ["loss"]);
  assert.equal(asked.notes, ["attack-p skipped: it needs the target's posteriors on population records (records it never trained on) with their labels"]);
  try {
    await auditPosteriors({ ...base(), population: { posteriors: sides.population, labels: sides.labels.population.slice(1) } });
    assert.unreachable("mismatched population labels accepted");
  } catch (error) {
    assert.match((error as Error).message, /population: 897 labels for 898 rows of posteriors/);
  }
});

const rows = (p: Posteriors) => Array.from({ length: p.rows }, (_, r) => Array.from(p.values.subarray(r * p.classes, (r + 1) * p.classes)));
const post = (body: unknown) => leakageCheck(new Request("http://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));

test("edge handler: population posteriors give attack-p the library's figures; bad population fields are 422s", async () => {
  const body = {
    members: { posteriors: rows(sides.members), labels: [...sides.labels.members] },
    nonMembers: { posteriors: rows(sides.nonMembers), labels: [...sides.labels.nonMembers] },
    population: { posteriors: rows(sides.population), labels: [...sides.labels.population] },
    attacks: ["attack-p"],
    alpha: 0.05,
  };
  const response = await post(body);
  assert.is(response.status, 200);
  const got = ((await response.json()) as { attacks: { name: string; auc: number; threshold: number; tprAtFpr: unknown }[] }).attacks;
  // Through JSON, float32 posteriors come back as the same float32 values.
  const expected = (await auditPosteriors({ ...base(), population: { posteriors: sides.population, labels: sides.labels.population }, attacks: ["attack-p"], alpha: 0.05 })).runs[0]!.attacks[0]!.metrics;
  assert.equal(got.map((a) => a.name), ["attack-p"]);
  assert.equal([got[0]!.auc, got[0]!.threshold, got[0]!.tprAtFpr], [expected.auc, expected.threshold, expected.tprAtFpr]);
  const refused = async (patch: Record<string, unknown>, pattern: RegExp) => {
    const r = await post({ ...body, ...patch });
    assert.is(r.status, 422);
    assert.match(((await r.json()) as { error: string }).error, pattern);
  };
  await refused({ population: { posteriors: rows(sides.population) } }, /population.labels is missing: attack-p needs the population's true classes/);
  await refused({ population: { posteriors: [[0.5, 0.5]], labels: [0] } }, /population has 2 classes but members have 10/);
  await refused({ alpha: 1.5 }, /alpha must be a number strictly between 0 and 1, got number 1.5/);
});

test.run();
