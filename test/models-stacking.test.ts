// The stacking defence: bases of different kinds on disjoint parts, a logistic-regression meta
// model on another part over their posteriors; seeded and deterministic; the usual predict().
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createStackedClassifier, defaultBaseKinds, initModelBackend } from "../src/models/index.js";
import type { LabeledData } from "../src/types.js";

const stacking = suite("models: stacking defence");

function synthetic(rows: number, size: number, classes: number): LabeledData {
  const rng = new Pcg32(9, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const u = rng.fillFloat64(rows * size);
  const features = Float32Array.from(u, (v, i) => (v < ((i % size) % classes === labels[Math.floor(i / size)] ? 0.8 : 0.2) ? 1 : 0));
  return { features, recordShape: [size], labels, numClasses: classes };
}

stacking.before(async () => {
  await initKernels();
  await initModelBackend();
});

stacking("default bases: cnn+mlp for images, mlp+logreg otherwise", () => {
  assert.equal(defaultBaseKinds([28, 28, 1]), ["cnn", "mlp"]);
  assert.equal(defaultBaseKinds([600]), ["mlp", "logreg"]);
});

stacking("trains bases and meta model on disjoint parts, deterministically; predicts posteriors", async () => {
  const data = synthetic(600, 40, 4);
  const hashes: string[] = [];
  let epochsSeen: number[] = [];
  for (let run = 0; run < 2; run++) {
    const model = await createStackedClassifier({ inputShape: [40], numClasses: 4 });
    assert.equal(model.bases.map((b) => b.kind), ["mlp", "logreg"]);
    epochsSeen = [];
    const summary = await model.fit(data, { seed: 11, epochs: 10, learningRate: 0.01, onEpoch: (e) => epochsSeen.push(e.epoch) });
    assert.is(summary.engine, "stacked");
    assert.is(summary.samples, 600 * 10);
    hashes.push(await model.weightsSha256());
    const p = await model.predict(data.features, 600);
    assert.is(p.classes, 4);
    let correct = 0;
    for (let r = 0; r < 600; r++) {
      const row = p.values.subarray(r * 4, r * 4 + 4);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${r} sums to 1`);
      if (row.indexOf(Math.max(...row)) === data.labels[r]) correct++;
    }
    assert.ok(correct / 600 > 0.5, `the stack learns the task (accuracy ${correct / 600})`);
    model.dispose();
  }
  assert.equal(epochsSeen, Array.from({ length: 30 }, (_, i) => i + 1), "progress counts epochs across the three stages");
  assert.is(hashes[0], hashes[1], "same seed, same weights");
});

stacking("errors name the problem", async () => {
  try {
    await createStackedClassifier({ inputShape: [40], numClasses: 4, baseKinds: ["mlp"] });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /baseKinds/);
  }
});

stacking.run();
