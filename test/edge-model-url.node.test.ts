// The edge handler's model-URL form: the request names a deployed model (a local v1/v2 server in
// front of the real digits MLP) and sends members' and non-members' records; the answer equals the
// posteriors-only audit of that model's own posteriors. Servers opt in per URL prefix; endpoint
// failures are a 502 naming the URL; malformed model requests a 422 naming the field; label-only-boundary
// runs when named, querying the model for labels.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { serveFetch } from "../src/adapters/node/http.js";
import { predictedLabels } from "../src/attacks/boundary.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { allowModelUrlPrefixes, createLeakageHandler, fetch as defaultHandler } from "../src/edge/index.js";
import { startModelServer, trainDigitsTarget, type ModelServer } from "./endpoint-server.js";

const test = suite("edge handler: the model-URL request form");

const { model, members, nonMembers } = await trainDigitsTarget();
const rows = 150;
const table = (data: typeof members) => Array.from({ length: rows }, (_, r) => Array.from(data.features.subarray(r * 64, (r + 1) * 64)));
const sides = {
  members: { features: table(members), labels: Array.from(members.labels.subarray(0, rows)) },
  nonMembers: { features: table(nonMembers), labels: Array.from(nonMembers.labels.subarray(0, rows)) },
};
let server: ModelServer;
let handler: (request: Request) => Promise<Response>;

test.before(async () => {
  server = await startModelServer(model, { recordShape: [8, 8, 1] });
  handler = createLeakageHandler({ allowModelUrl: allowModelUrlPrefixes([`${server.origin}/`]), endpoint: { timeoutMs: 2000, retries: 1, backoffMs: 5 } });
});
test.after(async () => {
  await server.close();
});

const post = (body: unknown, h = handler) => h(new Request("http://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));

async function expectError(response: Response, status: number, pattern: RegExp): Promise<void> {
  const body = (await response.json()) as { error: string };
  assert.is(response.status, status, body.error);
  assert.match(body.error, pattern);
}

interface AuditBody {
  members: number;
  classes: number;
  model: { url: string; protocol: string; outputKind: string; queries: number };
  attacks: Array<Record<string, unknown>>;
}

for (const protocol of ["v1", "v2"] as const) {
  test(`${protocol}: results equal the posteriors-only audit of the model's own posteriors`, async () => {
    const url = protocol === "v1" ? server.v1Url : server.v2Url;
    const response = await post({ model: { url, batchSize: 64 }, ...sides, roc: true });
    const body = (await response.json()) as AuditBody;
    assert.is(response.status, 200, JSON.stringify(body));
    assert.equal(body.model, { url, protocol, outputKind: "probabilities", queries: 2 * rows });
    const expected = await auditPosteriors({
      members: await model.predict(members.features.subarray(0, rows * 64), rows),
      nonMembers: await model.predict(nonMembers.features.subarray(0, rows * 64), rows),
      membersLabels: members.labels.subarray(0, rows),
      nonMembersLabels: nonMembers.labels.subarray(0, rows),
    });
    const attacks = expected.runs[0]!.attacks;
    assert.equal(body.attacks.map((a) => a.name), attacks.map((a) => a.name));
    for (const [i, attack] of attacks.entries()) {
      for (const key of ["auc", "advantage", "precision", "recall", "threshold"] as const) assert.is(body.attacks[i]![key], attack.metrics[key], `${attack.name}.${key}`);
      assert.equal(body.attacks[i]!.roc, attack.roc);
    }
    const loss = body.attacks.find((a) => a.name === "loss")!;
    assert.ok((loss.auc as number) > 0.55, `the digits MLP overfits its 400 members: loss AUC ${loss.auc}`);
  });
}

test("through node:http (as `mlleaks serve` runs it): the same answer as the handler called directly", async () => {
  const edge = await serveFetch(handler);
  try {
    const request = { model: { url: server.v2Url }, ...sides, attacks: ["adversary-3-max", "loss"] };
    const overHttp = await fetch(edge.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    assert.is(overHttp.status, 200);
    assert.equal(await overHttp.json(), await (await post(request)).json());
  } finally {
    await edge.close();
  }
});

const cli = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));

test("mlleaks serve --allow-model-url: the CLI server answers the model form for allowed prefixes", async () => {
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--allow-model-url", `${server.origin}/`], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(out);
        if (found) resolve(found[1]!);
      });
      child.once("exit", (code) => reject(new Error(`mlleaks serve exited with ${code}: ${out}`)));
    });
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: { url: server.v1Url }, ...sides, attacks: ["loss"] }) });
    const body = (await response.json()) as AuditBody;
    assert.is(response.status, 200, JSON.stringify(body));
    assert.is(body.model.queries, 2 * rows);
  } finally {
    child.kill("SIGTERM");
  }
  const bad = spawnSync(process.execPath, [cli, "serve", "--allow-model-url", "http://127.0.0.1"], { encoding: "utf8" });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--allow-model-url expects http\(s\):\/\/host\/\.\.\. prefixes \(ending the host with \/\), got 'http:\/\/127\.0\.0\.1'/);
});

test("refused unless the server allows the URL (403), and the default handler allows none", async () => {
  await expectError(await post({ model: { url: server.v1Url }, ...sides }, defaultHandler), 403, /model\.url http:\/\/127\.0\.0\.1:\d+\/v1\/models\/digits:predict is not allowed by this server/);
  await expectError(await post({ model: { url: "http://127.0.0.2:9/v1/models/m" }, ...sides }), 403, /not allowed/);
});

test("bad model requests: 422 naming the field", async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ model: "x", ...sides }, /^model must be an object/],
    [{ model: { url: 3 }, ...sides }, /^model\.url must be a string/],
    [{ model: { url: "not a url" }, ...sides }, /^model\.url is not a URL/],
    [{ model: { url: server.v1Url, retries: 9 }, ...sides }, /^model: unknown field 'retries'/],
    [{ model: { url: server.v1Url, output: "scores" }, ...sides }, /^model\.output is the string "scores": expected one of auto, probabilities, logits/],
    [{ model: { url: server.v1Url }, members: { posteriors: [[1, 0]] }, nonMembers: sides.nonMembers }, /^members: unknown field 'posteriors' \(the model form takes features and labels\)/],
    [{ model: { url: server.v1Url }, members: { features: [[1, 2], [3]] }, nonMembers: sides.nonMembers }, /^members\.features\[1\] must be an array of 2 numbers like record 0/],
    [{ model: { url: server.v1Url }, members: sides.members, nonMembers: { features: sides.nonMembers.features } }, /labels given for members only/],
    [{ model: { url: server.v1Url }, ...sides, topPercentile: 120 }, /^topPercentile must be a number strictly between 0 and 100/],
    [{ model: { url: server.v2Url }, members: { features: [[1, 2, 3]] }, nonMembers: { features: [[1, 2, 3]] } }, /^model: http:.*: got records of 3 values; the model's input is \[8,8,1\] per record \(64 values\)$/],
    [{ members: sides.members, nonMembers: sides.nonMembers }, /^members\.features belongs to the model form: add "model"/],
  ];
  for (const [body, pattern] of cases) await expectError(await post(body), 422, pattern);
});

test("a failing endpoint: 502 naming the model URL and what went wrong", async () => {
  server.always = { kind: "status", status: 503 };
  try {
    await expectError(await post({ model: { url: server.v1Url }, ...sides }), 502, /^model endpoint: http:\/\/127\.0\.0\.1:\d+\/v1\/models\/digits:predict: predict failed after 2 attempts: HTTP 503/);
    server.always = { kind: "nan-null" };
    await expectError(await post({ model: { url: server.v1Url }, ...sides }), 502, /has null \(how JSON writes NaN and Infinity\) at class 3/);
  } finally {
    server.always = undefined;
  }
});

test("a population in the model form: the model is asked for it too, and attack-p runs with the library's figures", async () => {
  const population = { features: Array.from({ length: rows }, (_, r) => Array.from(nonMembers.features.subarray((rows + r) * 64, (rows + r + 1) * 64))), labels: Array.from(nonMembers.labels.subarray(rows, 2 * rows)) };
  const response = await post({ model: { url: server.v1Url }, ...sides, population, attacks: ["loss", "attack-p"], alpha: 0.1 });
  const body = (await response.json()) as AuditBody;
  assert.is(response.status, 200, JSON.stringify(body));
  assert.is(body.model.queries, 3 * rows);
  const expected = await auditPosteriors({
    members: await model.predict(members.features.subarray(0, rows * 64), rows),
    nonMembers: await model.predict(nonMembers.features.subarray(0, rows * 64), rows),
    membersLabels: members.labels.subarray(0, rows),
    nonMembersLabels: nonMembers.labels.subarray(0, rows),
    population: { posteriors: await model.predict(nonMembers.features.subarray(rows * 64, 2 * rows * 64), rows), labels: nonMembers.labels.subarray(rows, 2 * rows) },
    attacks: ["loss", "attack-p"],
    alpha: 0.1,
  });
  assert.equal(body.attacks.map((a) => [a.name, a.auc, a.threshold]), expected.runs[0]!.attacks.map((a) => [a.name, a.metrics.auc, a.metrics.threshold]));
  await expectError(await post({ model: { url: server.v1Url }, ...sides, population: { features: population.features } }), 422, /population.labels is missing/);
});

test("label-only-boundary in the model form: asked for by name, it queries the model for labels, with the library's figures", async () => {
  const few = 30;
  const part = (side: typeof sides.members) => ({ features: side.features.slice(0, few), labels: side.labels.slice(0, few) });
  const request = { model: { url: server.v2Url, batchSize: 64 }, members: part(sides.members), nonMembers: part(sides.nonMembers), attacks: ["loss", "label-only-boundary"], boundaryQueries: 20 };
  const response = await post(request);
  const body = (await response.json()) as AuditBody;
  assert.is(response.status, 200, JSON.stringify(body));
  assert.equal(body.attacks.map((a) => a.name), ["loss", "label-only-boundary"]);
  // The posteriors (2 x 30 records), then at most 20 label queries a record.
  assert.ok(body.model.queries > 2 * few && body.model.queries <= 2 * few * 21, `queries ${body.model.queries}`);
  const features = (data: typeof members) => data.features.slice(0, few * 64);
  const expected = await auditPosteriors({
    members: await model.predict(features(members), few),
    nonMembers: await model.predict(features(nonMembers), few),
    membersLabels: members.labels.subarray(0, few),
    nonMembersLabels: nonMembers.labels.subarray(0, few),
    attacks: ["loss", "label-only-boundary"],
    boundary: { predictLabels: async (f, r) => predictedLabels(await model.predict(f, r)), members: features(members), nonMembers: features(nonMembers), width: 64, maxQueries: 20, batchSize: 7 },
  });
  assert.equal(body.attacks.map((a) => [a.name, a.auc, a.threshold]), expected.runs[0]!.attacks.map((a) => [a.name, a.metrics.auc, a.metrics.threshold]));
  // Never by default, and not in the posteriors form, which has no model to query.
  const plain = (await (await post({ model: { url: server.v2Url }, ...sides })).json()) as AuditBody;
  assert.not.ok(plain.attacks.some((a) => a.name === "label-only-boundary"));
  const rowsOf = (n: number) => Array.from({ length: n }, () => [0.9, 0.1]);
  await expectError(await post({ members: { posteriors: rowsOf(2), labels: [0, 1] }, nonMembers: { posteriors: rowsOf(2), labels: [1, 0] }, attacks: ["label-only-boundary"] }), 422, /attacks\[0\] is the string "label-only-boundary": expected one of .* \(label-only-boundary queries a model: use the model-URL form\)/);
  await expectError(await post({ ...request, boundaryQueries: 0 }), 422, /^boundaryQueries must be an integer from 1 to 10000 \(label queries per record\), got number 0/);
});

test.run();
