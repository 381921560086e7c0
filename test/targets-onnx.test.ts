import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { auc, crossEntropyLoss, entropy, initKernels, maxPosterior } from "../src/kernels/index.js";
import { accuracy } from "../src/metrics/accuracy.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import type { TargetModel } from "../src/targets/types.js";
import type { LabeledData } from "../src/types.js";
import { sha256Hex } from "../src/util/sha256.js";
import { fixtureBytes, fixtureFacts, fixtureRecords, MODEL_FIXTURES, rejects, type ModelFixture } from "./targets-fixtures.js";

const test = suite("targets: ONNX models through onnxruntime-web (wasm)");
test.before(async () => {
  await initKernels();
});

async function open(name: ModelFixture, options = {}): Promise<TargetModel> {
  return openOnnxModel(await fixtureBytes(`${name}.onnx`), `${name}.onnx`, options);
}

for (const name of MODEL_FIXTURES) {
  test(`${name}: shapes from the model, argmax accuracy equals fixtures.json on members and non-members`, async () => {
    const facts = await fixtureFacts(name);
    const model = await open(name);
    try {
      const members = await fixtureRecords(name, "members");
      const nonMembers = await fixtureRecords(name, "nonmembers");
      assert.equal([...model.inputShape!], [...members.recordShape]);
      assert.is(model.numClasses, facts.classes);
      assert.is(model.source, "onnx");
      assert.is(model.outputKind, "auto");
      const pm = await model.predict(members.features, members.labels.length);
      assert.is(model.outputKind, facts.output_kind, "output kind detected under auto");
      const pn = await model.predict(nonMembers.features, nonMembers.labels.length);
      assert.is(accuracy(pm, members.labels), facts.train_acc);
      assert.is(accuracy(pn, nonMembers.labels), facts.test_acc);
      assert.is(model.queries, members.labels.length + nonMembers.labels.length);
    } finally {
      await model.dispose();
    }
  });
}

test("metric-attack AUCs through the model equal auditPosteriors' on the same posteriors", async () => {
  const name = "digits-mlp";
  const model = await open(name);
  try {
    const members = await fixtureRecords(name, "members");
    const nonMembers = await fixtureRecords(name, "nonmembers");
    const pm = await model.predict(members.features, members.labels.length);
    const pn = await model.predict(nonMembers.features, nonMembers.labels.length);
    const isMember = new Uint8Array(pm.rows + pn.rows).fill(1, 0, pm.rows);
    const joined = (a: Float32Array, b: Float32Array) => Float64Array.from([...a, ...b]);
    const expected = {
      "adversary-3-max": auc(joined(maxPosterior(pm), maxPosterior(pn)), isMember),
      "adversary-3-entropy": auc(joined(entropy(pm), entropy(pn)).map((v) => -v), isMember),
      loss: auc(joined(crossEntropyLoss(pm, members.labels), crossEntropyLoss(pn, nonMembers.labels)).map((v) => -v), isMember),
    };
    const report = await auditPosteriors({ members: pm, nonMembers: pn, membersLabels: members.labels, nonMembersLabels: nonMembers.labels, attacks: ["adversary-3-max", "adversary-3-entropy", "loss"] });
    for (const [attack, value] of Object.entries(expected)) {
      const result = report.runs[0]!.attacks.find((r) => r.name === attack)!;
      assert.is(result.metrics.auc, value, attack);
    }
    // The model overfits its members a little: every metric attack beats a coin.
    for (const value of Object.values(expected)) assert.ok(value > 0.5);
  } finally {
    await model.dispose();
  }
});

test("logits model: the output choice is obeyed; probabilities on logits is a named error", async () => {
  const name = "fashion-cnn-logits";
  const data = await fixtureRecords(name, "nonmembers");
  const rows = 50;
  const features = data.features.subarray(0, rows * 784);
  const auto = await open(name);
  const logits = await open(name, { output: "logits" });
  const probabilities = await open(name, { output: "probabilities" });
  try {
    assert.equal((await auto.predict(features, rows)).values, (await logits.predict(features, rows)).values);
    await rejects(() => probabilities.predict(features, rows), /fashion-cnn-logits\.onnx output 'logits'.*(lie in \[0, 1\]|sums to).*--output logits/);
  } finally {
    for (const m of [auto, logits, probabilities]) await m.dispose();
  }
});

async function outputHash(name: ModelFixture, data: LabeledData, rows: number, batchSize: number): Promise<string> {
  const model = await open(name, { batchSize });
  try {
    const p = await model.predict(data.features.subarray(0, rows * (data.features.length / data.labels.length)), rows);
    return sha256Hex(new Uint8Array(p.values.buffer, p.values.byteOffset, p.values.byteLength));
  } finally {
    await model.dispose();
  }
}

test("bit-identical outputs across two runs (1 wasm thread)", async () => {
  for (const name of MODEL_FIXTURES) {
    const data = await fixtureRecords(name, "population");
    // 700 records in batches of 300: full batches and a partial one.
    const first = await outputHash(name, data, 700, 300);
    const second = await outputHash(name, data, 700, 300);
    assert.is(first, second, name);
  }
});

test("bad input: corrupt or empty .onnx, records that do not fit, unknown input or output name", async () => {
  const bytes = await fixtureBytes("digits-mlp.onnx");
  await rejects(() => openOnnxModel(bytes.subarray(0, 1000), "cut.onnx"), /^cut\.onnx: not a valid ONNX model \(expected a ModelProto/);
  await rejects(() => openOnnxModel(new TextEncoder().encode("not a model at all"), "text.onnx"), /text\.onnx: not a valid ONNX model/);
  await rejects(() => openOnnxModel(new Uint8Array(0), "empty.onnx"), /empty\.onnx: empty file, expected an ONNX model/);
  await rejects(() => openOnnxModel(bytes, "digits-mlp.onnx", { inputName: "pixels" }), /digits-mlp\.onnx: no input named 'pixels'; the model's inputs are 'input' float32 \[batch, 64\]/);
  await rejects(() => openOnnxModel(bytes, "digits-mlp.onnx", { outputName: "scores" }), /no output named 'scores'; the model's outputs are 'probabilities' float32 \[batch, 10\]/);
  await rejects(() => openOnnxModel(bytes, "digits-mlp.onnx", { inputShape: [8, 8] }), /inputShape: \[8,8\] does not fit input 'input' of shape \[batch, 64\]/);
  const cnn = await open("fashion-cnn-logits");
  try {
    const digits = await fixtureRecords("digits-mlp", "members");
    await rejects(() => cnn.predict(digits.features.subarray(0, 640), 10), /fashion-cnn-logits\.onnx input 'input': got records of 64 values; the model's input is \[1,28,28\] per record \(784 values\)/);
    assert.is(cnn.queries, 0);
  } finally {
    await cnn.dispose();
  }
  // The runtime still works after the failed opens.
  const ok = await open("digits-mlp");
  assert.is(ok.numClasses, 10);
  await ok.dispose();
});

test.run();
