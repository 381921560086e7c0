// The whole audit on real bundled data with real training (small parts, few epochs, the fused
// dense engine): every attack beats chance on an overfit target, none does on a model that saw
// neither set, the fingerprint is a pure function of the seed, and the CLI writes reports that parse.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { runAttack } from "../src/attacks/run.js";
import { topKShadowAttack } from "../src/attacks/shadow.js";
import { audit, type AuditOptions } from "../src/audit.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { loadDataset, mlLeaksSplit, type Dataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier } from "../src/models/create.js";
import "../src/models/engines.js";
import { fingerprintReport } from "../src/report/json.js";

const test = suite("audit end to end");
let purchase: Dataset;
let dna: Dataset;
test.before(async () => {
  await initKernels();
  purchase = await loadDataset("purchase", { source: bundledDataSource() });
  dna = await loadDataset("dna", { source: bundledDataSource() });
});

const small = (): AuditOptions => ({
  dataset: purchase,
  shadowDataset: dna,
  seed: 7,
  partSize: 250,
  shadowPartSize: 250,
  epochs: 40,
  attackEpochs: 40,
  shadows: 4,
  noiseQueries: 200,
  engine: "fused",
});

test("overfit target: every attack's AUC is at least 0.6", async () => {
  const report = await audit({ ...small(), attacks: ["shokri", "combined", "loss", "modified-entropy", "correctness", "lira", "rmia"] });
  const run = report.runs[0]!;
  assert.ok(run.target.gap! > 0.3, `gap ${run.target.gap}`);
  const names = run.attacks.map((a) => a.name);
  assert.equal(names, ["adversary-1", "shokri", "combined", "adversary-2", "adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness", "lira-offline", "lira-online", "rmia"]);
  for (const a of run.attacks) {
    assert.ok(a.metrics.auc >= 0.6, `${a.name}: AUC ${a.metrics.auc}`);
    assert.is(a.metrics.members, 250);
    assert.is(a.metrics.nonMembers, 250);
  }
});

test("a model that saw neither set: attacks are near chance", async () => {
  const split = mlLeaksSplit(purchase, { seed: 7, partSize: 250 });
  const train = async (data: Dataset, seed: number) => {
    const model = await createClassifier("mlp", { inputShape: data.recordShape, numClasses: data.numClasses, engine: "fused" });
    await model.fit(data, { seed, epochs: 40 });
    return model;
  };
  // The "target" trained on shadow-train answers for target-train and target-out: both unseen.
  const neutral = await train(split.shadowTrain, 1);
  const members = await neutral.predict(split.targetTrain.features, 250);
  const nonMembers = await neutral.predict(split.targetOut.features, 250);
  const input = { members, nonMembers, membersLabels: split.targetTrain.labels, nonMembersLabels: split.targetOut.labels };
  const report = await auditPosteriors(input);
  // The attacker's shadow trains on shadow-out and knows its own members and non-members.
  const shadowModel = await train(split.shadowOut, 2);
  const shadow = {
    members: await shadowModel.predict(split.shadowOut.features, 250),
    nonMembers: await shadowModel.predict(split.shadowTrain.features, 250),
  };
  const { createClassifier: make } = await import("../src/models/create.js");
  const adversary1 = await runAttack(topKShadowAttack("adversary-1", "Adversary 1"), input, {
    seed: 3,
    shadow,
    trainAttackModel: async (features, rows, width, isMember, seed) => {
      const model = await make("attack-mlp", { inputShape: [width], numClasses: 2, engine: "fused" });
      await model.fit({ features, recordShape: [width], labels: Int32Array.from(isMember), numClasses: 2 }, { seed, epochs: 40 });
      return {
        predictMember: async (x, n) => Float64Array.from((await model.predict(x, n)).values.filter((_, i) => i % 2 === 1)),
        dispose: () => model.dispose(),
      };
    },
  });
  for (const a of [...report.runs[0]!.attacks, adversary1]) assert.ok(Math.abs(a.metrics.auc - 0.5) < 0.08, `${a.name}: AUC ${a.metrics.auc}`);
  neutral.dispose();
  shadowModel.dispose();
});

test("the same seed gives the same fingerprint; another seed another", async () => {
  const options = { ...small(), partSize: 120, shadowPartSize: 120, epochs: 5, attackEpochs: 5, defences: ["none", "dropout", "stacking"] as const };
  const a = await audit(options);
  const b = await audit(options);
  const c = await audit({ ...options, seed: 8 });
  assert.is(await fingerprintReport(a), await fingerprintReport(b));
  assert.is.not(await fingerprintReport(a), await fingerprintReport(c));
  assert.equal(a.runs.map((r) => r.defence), ["none", "dropout 0.5", "stacking"]);
  assert.ok(a.timings!.total! > 0);
});

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, "audit", ...args], { encoding: "utf8" });

test("mlleaks audit: reports parse, fingerprints agree across two runs, usage errors exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlleaks-audit-"));
  try {
    const args = ["--dataset", "dna", "--shadow-dataset", "purchase", "--part-size", "150", "--shadow-part-size", "150", "--epochs", "5", "--attack-epochs", "5", "--noise-queries", "100", "--defence", "none,dropout"];
    const first = cli(...args, "--out", join(dir, "a"));
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stdout, /Adversary 2 \(shadow on purchase, top-3\)/);
    assert.match(first.stdout, /reports: .*report\.json/);
    const second = cli(...args, "--out", join(dir, "b"), "--json", "--workers", "1");
    assert.is(second.status, 0, second.stderr);
    const a = JSON.parse(readFileSync(join(dir, "a", "report.json"), "utf8"));
    const b = JSON.parse(second.stdout);
    assert.is(a.fingerprint, b.fingerprint, "two workers and one give the same results");
    assert.equal(a.runs, b.runs);
    assert.is(a.config.seed, 0);
    assert.type(a.versions.node, "string");
    assert.type(a.timings.total, "number");
    const html = readFileSync(join(dir, "a", "report.html"), "utf8");
    assert.match(html, /Defence trade-off/);
    assert.match(html, new RegExp(a.fingerprint));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const noShadow = cli("--dataset", "dna", "--adversary", "2");
  assert.is(noShadow.status, 2);
  assert.match(noShadow.stderr, /--adversary 2 needs --shadow-dataset/);
  const badDefence = cli("--dataset", "dna", "--defence", "armour");
  assert.is(badDefence.status, 2);
  assert.match(badDefence.stderr, /--defence expects one of none, dropout, stacking/);
  const missing = cli();
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /--dataset is required/);
  const unknown = cli("--dataset", "nope", "--epochs", "1");
  assert.is(unknown.status, 1);
  assert.match(unknown.stderr, /unknown dataset 'nope'/);
});

test.run();
