// The edge handler called directly with Request objects (Node, Deno and Chromium alike): results
// equal the library's posteriors-only audit, and every malformed request is a 4xx naming the problem.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { createLeakageHandler, fetch as leakageCheck } from "../src/edge/index.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { posteriorSide } from "./runtimes/edge-requests.js";

const edge = suite("edge handler");

await initKernels();
const rng = new Pcg32(2024);
const members = posteriorSide(rng, 200, 5, 3);
const nonMembers = posteriorSide(rng, 200, 5, 1);

function post(body: unknown, handler = leakageCheck, headers: Record<string, string> = { "content-type": "application/json" }): Promise<Response> {
  return handler(new Request("http://edge.test/", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }));
}

async function expectError(response: Response, status: number, pattern: RegExp): Promise<void> {
  assert.is(response.status, status, `status ${response.status}, expected ${status}`);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const body = (await response.json()) as { error?: unknown };
  assert.type(body.error, "string");
  assert.match(body.error as string, pattern);
}

edge("results equal auditPosteriors on the same input, for every attack", async () => {
  const response = await post({ members, nonMembers });
  assert.is(response.status, 200);
  const body = (await response.json()) as { attacks: Array<Record<string, unknown>>; members: number; nonMembers: number; classes: number };
  assert.equal([body.members, body.nonMembers, body.classes], [200, 200, 5]);
  const report = await auditPosteriors({
    members: { values: Float32Array.from(members.posteriors.flat()), rows: 200, classes: 5 },
    nonMembers: { values: Float32Array.from(nonMembers.posteriors.flat()), rows: 200, classes: 5 },
    membersLabels: Int32Array.from(members.labels),
    nonMembersLabels: Int32Array.from(nonMembers.labels),
  });
  const expected = report.runs[0]!.attacks;
  assert.equal(body.attacks.map((a) => a.name), expected.map((a) => a.name));
  assert.ok(expected.length >= 5, `${expected.length} attacks`);
  for (const [i, attack] of expected.entries()) {
    const got = body.attacks[i]!;
    for (const key of ["auc", "advantage", "precision", "recall", "threshold"] as const) {
      assert.is(got[key], attack.metrics[key], `${attack.name}.${key}`);
    }
    assert.equal(got.tprAtFpr, attack.metrics.tprAtFpr);
    assert.ok(got.roc === undefined, "no ROC unless asked");
  }
  const maxAttack = body.attacks.find((a) => a.name === "adversary-3-max")!;
  assert.ok((maxAttack.auc as number) > 0.6, `members are peakier: AUC ${maxAttack.auc}`);
});

edge("a hand-checked case: max posterior separates perfectly; ROC on request", async () => {
  const response = await post({
    members: { posteriors: [[0.9, 0.1], [0.2, 0.8]] },
    nonMembers: { posteriors: [[0.6, 0.4], [0.3, 0.7]] },
    attacks: ["adversary-3-max"],
    roc: true,
  });
  assert.is(response.status, 200);
  const body = (await response.json()) as { attacks: Array<{ name: string; auc: number; advantage: number; roc: { fpr: number[]; tpr: number[] } }> };
  assert.is(body.attacks.length, 1);
  assert.is(body.attacks[0]!.auc, 1);
  assert.is(body.attacks[0]!.advantage, 1);
  assert.ok(body.attacks[0]!.roc.fpr.length >= 2);
});

edge("without labels only the label-free attacks run, and the notes say why", async () => {
  const response = await post({ members: { posteriors: members.posteriors }, nonMembers: { posteriors: nonMembers.posteriors } });
  assert.is(response.status, 200);
  const body = (await response.json()) as { attacks: Array<{ name: string }>; notes: string[] };
  assert.equal(body.attacks.map((a) => a.name).sort(), ["adversary-3-entropy", "adversary-3-max"]);
  assert.ok(body.notes.some((n) => /loss/.test(n) && /labels/.test(n)), body.notes.join("; "));
});

edge("malformed JSON, wrong method and content type", async () => {
  await expectError(await post('{"members": [1, 2'), 400, /not valid JSON/);
  await expectError(await post('{"members": {"posteriors": [[NaN, 1]]}}'), 400, /not valid JSON/);
  await expectError(await post(""), 400, /empty/);
  await expectError(await post({ members }, leakageCheck, { "content-type": "text/plain" }), 415, /application\/json/);
  const get = await leakageCheck(new Request("http://edge.test/"));
  assert.is(get.status, 405);
  assert.is(get.headers.get("allow"), "POST");
  await expectError(await leakageCheck(new Request("http://edge.test/", { method: "PUT", body: "{}", headers: { "content-type": "application/json" } })), 405, /PUT/);
  const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
  await expectError(await leakageCheck(new Request("http://edge.test/", { method: "POST", body: bad, headers: { "content-type": "application/json" } })), 400, /UTF-8/);
});

edge("wrong shapes and values name the JSON path", async () => {
  const cases: Array<[unknown, RegExp]> = [
    [[1, 2], /body must be a JSON object/],
    [{ nonMembers }, /members must be an object/],
    [{ members, nonMembers, extra: 1 }, /unknown field 'extra'/],
    [{ members: { posteriors: [] }, nonMembers }, /members.posteriors is empty/],
    [{ members: { posteriors: [[0.5, 0.5], [1]] }, nonMembers }, /members.posteriors\[1\] has 1 entries, expected 2/],
    [{ members: { posteriors: [[0.5, 0.5]] }, nonMembers: { posteriors: [[0.2, 0.3, 0.5]] } }, /2 classes but nonMembers have 3/],
    [{ members: { posteriors: [[0.5, null]] }, nonMembers }, /members.posteriors\[0\]\[1\] is null \(NaN and Infinity become null/],
    [{ members: { posteriors: [[0.5, "NaN"]] }, nonMembers }, /members.posteriors\[0\]\[1\] is the string "NaN"/],
    [{ members: { posteriors: [[1.5, -0.5]] }, nonMembers }, /members.posteriors\[0\]\[0\] is 1.5/],
    [{ members: { posteriors: [[0.5, 0.2]] }, nonMembers: { posteriors: [[0.5, 0.5]] } }, /sum|add up/i],
    [{ members: { posteriors: [[0.5, 0.5]], labels: [0, 1] }, nonMembers: { posteriors: [[0.5, 0.5]], labels: [0] } }, /members.labels has 2 entries for 1 rows/],
    [{ members: { posteriors: [[0.5, 0.5]], labels: [2] }, nonMembers: { posteriors: [[0.5, 0.5]], labels: [0] } }, /members.labels\[0\] is number 2: expected a class index from 0 to 1/],
    [{ members: { posteriors: [[0.5, 0.5]], labels: [1] }, nonMembers: { posteriors: [[0.5, 0.5]] } }, /labels given for members only/],
    [{ members, nonMembers, attacks: ["lira"] }, /attacks\[0\] is the string "lira"/],
    [{ members, nonMembers, topPercentile: 100 }, /topPercentile must be a number strictly between 0 and 100/],
    [{ members, nonMembers, roc: "yes" }, /roc must be true or false/],
  ];
  for (const [body, pattern] of cases) await expectError(await post(body), 422, pattern);
});

edge("too many rows and too large a body", async () => {
  const small = createLeakageHandler({ maxRows: 50, maxBodyBytes: 4096 });
  const rows = Array.from({ length: 51 }, () => [0.5, 0.5]);
  await expectError(await post({ members: { posteriors: rows }, nonMembers: { posteriors: [[0.5, 0.5]] } }, small), 422, /51 rows, more than the limit of 50/);
  const big = JSON.stringify({ members, nonMembers });
  await expectError(await post(big, small), 413, /more than the limit of 4096/);
  // No Content-Length: the limit holds while the stream is read, and reading stops there.
  let pulled = 0;
  const chunk = new TextEncoder().encode(" ".repeat(1024));
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      if (pulled > 1 << 30) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const streamed = new Request("http://edge.test/", { method: "POST", body: endless, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
  await expectError(await small(streamed), 413, /over 4096/);
  assert.ok(pulled < 64 * 1024, `stopped reading after ${pulled} bytes`);
});

edge.run();
