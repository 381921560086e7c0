// The training-time defences in an audit of purchase (the overfit bundled target) on the tfjs
// engine: each lowers the strongest attack's AUC or the report says it did not; the fingerprint is
// pinned (the same in Node and Deno). Reads the bundled data through the Node data source.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { fingerprintReport } from "../src/report/json.js";
import { formatResultsTable } from "../src/report/table.js";
import { tradeOffRows } from "../src/report/trade-off.js";

const test = suite("training defences in an audit");
test.before(async () => {
  await initKernels();
});

test("audit on purchase (the overfit bundled target): each training defence lowers the strongest attack's AUC, or the report says it did not", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const report = await audit({
    dataset: purchase,
    seed: 3,
    partSize: 200,
    epochs: 20,
    engine: "tfjs",
    adversaries: [],
    attacks: ["loss", "modified-entropy", "correctness"],
    defences: ["none", "dp-sgd", "relaxloss", "adversarial-regularization"],
    relaxLossAlpha: 1.5,
  });
  const rows = tradeOffRows(report.runs);
  const undefended = rows[0]!.strongestAuc!;
  const table = formatResultsTable(report);
  for (const row of rows.slice(1)) {
    assert.is(row.lowersStrongestAuc, row.strongestAuc! < undefended, row.defence);
    if (!row.lowersStrongestAuc) assert.ok(table.includes(`${row.defence} did not lower the strongest attack's AUC`), `${row.defence}: the report says it did not lower the AUC`);
  }
  assert.ok(report.runs[1]!.privacy!.epsilon > 0, "dp-sgd reports the accountant's epsilon");
  assert.is(await fingerprintReport(report), "7fc7f364cb9092a64b70336852233c95892803bd41ac08b9f163325c65ae3098", "the pinned fingerprint (the same in Node and Deno)");
});

test.run();
