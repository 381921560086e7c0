// The label-only decision-boundary attack through a label-only endpoint: a TF Serving server that
// answers each record with its predicted class only (a one-hot row). The search reads nothing but
// labels, so it finds the same distances, bit for bit, as on the model itself, and the endpoint's
// query count stays within the per-record budget.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { predictedLabels } from "../src/attacks/boundary.js";
import { auditModel } from "../src/audit-model.js";
import { openEndpointModel } from "../src/targets/endpoint.js";
import { posteriorTargetModel } from "../src/targets/posterior-model.js";
import type { PosteriorModel } from "../src/types.js";
import { startModelServer, trainDigitsTarget } from "./endpoint-server.js";

const test = suite("label-only boundary attack through a label-only endpoint");

test("same distances as on the model itself; queries within the budget", async () => {
  const { model, members, nonMembers } = await trainDigitsTarget();
  const labelsOnly: PosteriorModel = {
    kind: "label-only",
    numClasses: model.numClasses,
    async predict(features, rows) {
      const labels = predictedLabels(await model.predict(features, rows));
      const values = new Float32Array(rows * model.numClasses);
      labels.forEach((y, r) => (values[r * model.numClasses + y] = 1));
      return { values, rows, classes: model.numClasses };
    },
  };
  const server = await startModelServer(labelsOnly, { recordShape: [8, 8, 1] });
  const endpoint = await openEndpointModel(server.v1Url, { batchSize: 200 });
  const local = posteriorTargetModel(model, "mlleaks", "digits mlp (test)");
  try {
    const run = (target: typeof local) => auditModel({ target, members, nonMembers, seed: 5, adversaries: [], attacks: ["label-only-boundary"], attackOptions: { maxQueries: 40 } });
    const [viaEndpoint, direct] = [await run(endpoint), await run(local)];
    const scores = (r: typeof direct) => r.runs[0]!.attacks[0]!;
    assert.equal(scores(viaEndpoint).metrics, scores(direct).metrics);
    assert.ok(scores(direct).metrics.auc > 0.55, `AUC ${scores(direct).metrics.auc}`);
    assert.is(viaEndpoint.runs[0]!.target.queries, direct.runs[0]!.target.queries);
    assert.ok(server.answered <= 800 * 41, `${server.answered} records answered`);
    assert.is(server.answered, endpoint.queries);
  } finally {
    await endpoint.dispose();
    await server.close();
    model.dispose();
  }
});

test.run();
