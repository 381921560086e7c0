// LiRA and RMIA against the loss attack where they matter, at 0.1% FPR, on an overfit purchase MLP
// (train about 88%, test about 62%): 1100 members and 1100 non-members, so 0.1% FPR is resolvable
// (1 / 1100 < 0.001), and 16 reference models trained by the fused dense engine.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";

const test = suite("LiRA and RMIA beat the loss attack at 0.1% FPR (purchase)");

test("lira-offline, lira-online-global and rmia above the loss attack's TPR at 0.1% FPR", async () => {
  await initKernels();
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const report = await audit({ dataset: purchase, seed: 3, partSize: 1100, epochs: 20, shadows: 16, engine: "fused", adversaries: [], attacks: ["loss", "lira", "lira-global", "rmia"] });
  const run = report.runs[0]!;
  assert.ok(run.target.gap! > 0.2, `train-test gap ${run.target.gap}`);
  const tpr = Object.fromEntries(run.attacks.map((a) => [a.name, a.metrics.tprAtFpr["0.001"]]));
  for (const a of run.attacks) assert.ok(a.metrics.statistics!.lowestResolvableFpr < 0.001, `${a.name}: 0.1% FPR resolvable`);
  for (const name of ["lira-offline", "lira-online-global", "rmia"]) {
    assert.ok(tpr[name]! > 3 * tpr.loss!, `${name}: TPR ${tpr[name]} at 0.1% FPR, loss ${tpr.loss}`);
  }
});

test.run();
