// A learning rate that blows the weights up (1e308) stops training with TrainingDivergedError in
// both engines, instead of finishing with NaN weights and exit code 0.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createClassifier, initModelBackend } from "../src/models/index.js";
import "../src/models/engines.js";
import { TrainingDivergedError } from "../src/models/validate.js";

const diverge = suite("models: divergence is an error");
await initKernels();
await initModelBackend();

const rng = new Pcg32(14, 1);
const rows = 64;
const data = { features: Float32Array.from(rng.fillFloat64(rows * 8), (u) => (u < 0.5 ? 0 : 1)), recordShape: [8], labels: Int32Array.from(rng.fillUint32(rows), (u) => u % 3), numClasses: 3 };

for (const engine of ["tfjs", "fused"] as const) {
  diverge(`${engine}: learning rate 1e308 -> TrainingDivergedError naming the epoch and loss`, async () => {
    const model = await createClassifier("mlp", { inputShape: [8], numClasses: 3, engine });
    try {
      await model.fit(data, { seed: 1, epochs: 5, batchSize: 16, learningRate: 1e308 });
      assert.unreachable("training with learning rate 1e308 finished");
    } catch (error) {
      assert.instance(error, TrainingDivergedError);
      assert.match((error as Error).message, /training diverged: the loss is (NaN|Infinity) after epoch \d \(learning rate 1e\+308\)/);
    } finally {
      model.dispose();
    }
  });
}

diverge.run();
