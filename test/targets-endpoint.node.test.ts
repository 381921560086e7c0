// A deployed model as a TargetModel: a local server (127.0.0.1) speaks TF Serving / KServe v1 and
// the Open Inference Protocol v2 in front of a real trained model (the project's MLP on the bundled
// digits); the posteriors that come back through either protocol equal the model's own, batched
// and concurrent requests included. Faults, retries, budget and resume: targets-endpoint-faults.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ENDPOINT_DEFAULTS, EndpointInputError, EndpointHttpError, openEndpointModel, resolveEndpoint, type EndpointProgress } from "../src/targets/endpoint.js";
import { sha256Hex } from "../src/util/sha256.js";
import { startModelServer, trainDigitsTarget, type ModelServer } from "./endpoint-server.js";

const test = suite("targets: deployed endpoint (v1 and v2) as a target model");

const { model, members, nonMembers } = await trainDigitsTarget();
const records = new Float32Array([...members.features, ...nonMembers.features]);
const rows = 800;
const expected = await model.predict(records, rows);
let server: ModelServer;

test.before(async () => {
  server = await startModelServer(model, { recordShape: [8, 8, 1], authorization: "Bearer test-token" });
});
test.after(async () => {
  await server.close();
});
test.before.each(() => {
  server.hits = 0;
  server.answered = 0;
  server.metadataHits = 0;
});

const auth = { Authorization: "Bearer test-token" };

test("the target model is real: it fits its members better than non-members", async () => {
  const accuracy = (data: typeof members, p: Float32Array) => {
    let right = 0;
    for (let r = 0; r < 400; r++) {
      const row = p.subarray(r * 10, r * 10 + 10);
      if (row.indexOf(Math.max(...row)) === data.labels[r]) right++;
    }
    return right / 400;
  };
  const train = accuracy(members, expected.values.subarray(0, 4000));
  const test = accuracy(nonMembers, expected.values.subarray(4000));
  assert.ok(train > 0.95 && test > 0.8 && train > test, `train ${train}, test ${test}`);
});

test("v1 (TF Serving / KServe predict): posteriors equal the model's own, bit for bit", async () => {
  const endpoint = await openEndpointModel(server.v1Url, { headers: auth, batchSize: 64, concurrency: 3 });
  assert.is(endpoint.source, "endpoint-v1");
  assert.is(endpoint.outputKind, "auto");
  const got = await endpoint.predict(records, rows);
  assert.is(got.rows, rows);
  assert.is(got.classes, 10);
  assert.is(await sha256Hex(got.values), await sha256Hex(expected.values));
  assert.is(endpoint.outputKind, "probabilities");
  assert.is(endpoint.numClasses, 10);
  assert.is(endpoint.queries, rows);
  assert.is(server.hits, Math.ceil(rows / 64), "one request per batch of 64");
  assert.is(server.answered, rows);
});

test("v1 with a record shape: instances are nested [8][8][1] as TF Serving takes them", async () => {
  const endpoint = await openEndpointModel(server.v1Url, { headers: auth, inputShape: [8, 8, 1], batchSize: 200 });
  const got = await endpoint.predict(records.subarray(0, 64 * 100), 100);
  assert.equal(Array.from(got.values), Array.from(expected.values.subarray(0, 1000)));
  assert.is(server.hits, 1);
});

test("v2 (Open Inference Protocol): metadata read, posteriors equal the model's own", async () => {
  const endpoint = await openEndpointModel(server.v2Url, { headers: auth, batchSize: 100, concurrency: 4 });
  assert.is(server.metadataHits, 1);
  assert.is(endpoint.source, "endpoint-v2");
  assert.equal(endpoint.inputShape, [8, 8, 1], "record shape from GET /v2/models/digits");
  assert.is(endpoint.numClasses, 10, "classes from the metadata's output shape");
  const got = await endpoint.predict(records, rows);
  assert.is(await sha256Hex(got.values), await sha256Hex(expected.values));
  assert.is(server.hits, 8);
  assert.is(endpoint.requests, 9, "8 infer + 1 metadata");
});

test("a shape mismatch between data and model names both", async () => {
  const endpoint = await openEndpointModel(server.v2Url, { headers: auth });
  try {
    await endpoint.predict(new Float32Array(10 * 30), 10);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, EndpointInputError);
    assert.match((error as Error).message, /: got records of 30 values; the model's input is \[8,8,1\] per record \(64 values\)$/);
  }
  assert.is(server.hits, 0);
});

test("logits: detected ('auto') and softmaxed in float64", async () => {
  const logitServer = await startModelServer(model, { recordShape: [64], logits: true });
  try {
    const endpoint = await openEndpointModel(logitServer.v2Url, { batchSize: 256 });
    const got = await endpoint.predict(records, rows);
    assert.is(endpoint.outputKind, "logits");
    let worst = 0;
    for (let i = 0; i < got.values.length; i++) worst = Math.max(worst, Math.abs(got.values[i]! - expected.values[i]!));
    assert.ok(worst < 1e-6, `softmax(log p) = p within float32 rounding: worst ${worst}`);
    const forced = await openEndpointModel(logitServer.v1Url, { output: "probabilities" });
    try {
      await forced.predict(records.subarray(0, 640), 10);
      assert.unreachable();
    } catch (error) {
      assert.match((error as Error).message, new RegExp(`^${logitServer.v1Url.replace(/[.:/]/g, "\\$&")}: row 0, class \\d is -?\\d.*probabilities lie in \\[0, 1\\]`));
    }
  } finally {
    await logitServer.close();
  }
});

test("progress: queries done, rate and ETA, ending at the total", async () => {
  const seen: EndpointProgress[] = [];
  const endpoint = await openEndpointModel(server.v1Url, { headers: auth, batchSize: 100, concurrency: 2, onProgress: (p) => seen.push(p) });
  await endpoint.predict(records, rows);
  assert.is(seen.length, 9, "once at the start, then after each of 8 batches");
  assert.equal(seen.map((p) => p.done), [0, 100, 200, 300, 400, 500, 600, 700, 800]);
  assert.is(seen[0]!.etaSeconds, undefined);
  const last = seen[8]!;
  assert.is(last.total, rows);
  assert.is(last.queries, rows);
  assert.ok(last.rate > 0 && last.etaSeconds === 0, `rate ${last.rate}, eta ${last.etaSeconds}`);
});

test("headers: without the Authorization the server wants, a 401 names the URL and is not retried", async () => {
  const endpoint = await openEndpointModel(server.v1Url, { retries: 3, backoffMs: 1 });
  try {
    await endpoint.predict(records.subarray(0, 64), 1);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, EndpointHttpError);
    assert.is((error as EndpointHttpError).status, 401);
    assert.is((error as Error).message, `${server.v1Url}: predict refused: HTTP 401: missing or wrong Authorization`);
  }
  assert.is(server.hits, 1, "4xx other than 429 is the caller's to fix: no retry");
});

test("URLs: the protocol comes from the path, or from options with the server root", () => {
  assert.equal(resolveEndpoint("http://h:1/v1/models/m"), { protocol: "v1", inferUrl: "http://h:1/v1/models/m:predict" });
  assert.equal(resolveEndpoint("https://h/v1/models/m/versions/3:predict"), { protocol: "v1", inferUrl: "https://h/v1/models/m/versions/3:predict" });
  assert.equal(resolveEndpoint("http://h/v2/models/m/versions/2/infer"), { protocol: "v2", inferUrl: "http://h/v2/models/m/versions/2/infer", metadataUrl: "http://h/v2/models/m/versions/2" });
  assert.equal(resolveEndpoint("http://h/serving/", { protocol: "v2", modelName: "m" }), { protocol: "v2", inferUrl: "http://h/serving/v2/models/m/infer", metadataUrl: "http://h/serving/v2/models/m" });
  assert.throws(() => resolveEndpoint("http://h/predict"), /^http:\/\/h\/predict: cannot tell the protocol from the path/);
  assert.throws(() => resolveEndpoint("http://h/v1/models/m", { protocol: "v2" }), /is a v1 endpoint but protocol v2 was asked for/);
  assert.throws(() => resolveEndpoint("ftp://h/v1/models/m"), /scheme ftp: is not supported/);
  assert.ok(ENDPOINT_DEFAULTS.batchSize > 0);
});

test.run();
