import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveModel } from "../src/adapters/node/models.js";
import { openMlleaksModel } from "../src/adapters/node/targets.js";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier } from "../src/models/create.js";
import { createStackedClassifier } from "../src/defences/stacking.js";
import type { Classifier } from "../src/models/types.js";
import type { LabeledData } from "../src/types.js";
import { fixtureRecords, rejects } from "./targets-fixtures.js";

const test = suite("targets: models `mlleaks train` writes, as TargetModel, their weights hash checked");

let data: LabeledData;
let dir: string;
test.before(async () => {
  await initKernels();
  data = await fixtureRecords("digits-mlp", "members");
  dir = await mkdtemp(join(tmpdir(), "mlleaks-target-"));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Trains and saves as `mlleaks train` does (saveModel, meta.json with the weights hash). */
async function trainAndSave(name: string, model: Classifier): Promise<string> {
  await model.fit(data, { seed: 3, epochs: 3 });
  const out = join(dir, name);
  await saveModel(out, model, { mlleaks: "model", model: model.kind, weightsSha256: await model.weightsSha256() });
  return out;
}

test("a single model and a stacked one: bit-identical posteriors, topology for single models", async () => {
  const spec = { inputShape: [64], numClasses: 10 };
  for (const model of [await createClassifier("mlp", spec), await createStackedClassifier({ ...spec, baseKinds: ["mlp", "logreg"] })]) {
    try {
      const path = await trainAndSave(model.kind, model);
      const target = await openMlleaksModel(path);
      try {
        assert.is(target.source, "mlleaks");
        assert.is(target.kind, model.kind);
        assert.is(target.location, path);
        assert.is(target.outputKind, "probabilities");
        assert.equal([...target.inputShape!], [64]);
        assert.equal((await target.predict(data.features.subarray(0, 6400), 100)).values, (await model.predict(data.features.subarray(0, 6400), 100)).values);
        assert.is(target.queries, 100);
        assert.is(target.layersTopology === undefined, model.kind === "stacked");
        if (model.kind !== "stacked") assert.is((target.layersTopology as { class_name: string }).class_name, "Sequential");
      } finally {
        await target.dispose();
      }
    } finally {
      model.dispose();
    }
  }
});

test("changed weights, a wrong meta.json or none: named errors", async () => {
  const model = await createClassifier("logreg", { inputShape: [64], numClasses: 10 });
  const path = await trainAndSave("logreg", model);
  model.dispose();
  const weights = join(path, "weights.bin");
  const bytes = await readFile(weights);
  bytes[100] = bytes[100]! ^ 1;
  await writeFile(weights, bytes);
  await rejects(() => openMlleaksModel(path), /logreg: the weights hash to [0-9a-f]{64} but meta\.json's weightsSha256 is [0-9a-f]{64}; the weight files were changed or corrupted/);
  await writeFile(join(path, "meta.json"), JSON.stringify({ dataset: "digits" }));
  await rejects(() => openMlleaksModel(path), /meta\.json: expected the meta\.json of `mlleaks train`/);
  await rm(join(path, "meta.json"));
  await rejects(() => openMlleaksModel(path), /meta\.json: no such file/);
});

test.run();
