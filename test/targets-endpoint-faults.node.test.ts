// The endpoint made to fail on purpose (a local server in front of the real digits model): 503s,
// 429 with Retry-After, slow answers, dropped connections are retried and recover with the same
// posteriors; malformed JSON, wrong shapes and NaN are named errors; a dead endpoint fails after
// the retry budget; the query budget stops a run before it is passed; and a run resumed with the
// same cache folder re-asks nothing already answered (the server counts what it answers).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { nodeEndpointCache } from "../src/adapters/node/endpoint-cache.js";
import {
  EndpointBudgetError,
  EndpointHttpError,
  EndpointMalformedError,
  EndpointNetworkError,
  EndpointNonFiniteError,
  EndpointShapeError,
  EndpointTimeoutError,
  openEndpointModel,
  parseRetryAfter,
  type EndpointOptions,
} from "../src/targets/endpoint.js";
import { sha256Hex } from "../src/util/sha256.js";
import { startModelServer, trainDigitsTarget, type ModelServer } from "./endpoint-server.js";

const test = suite("targets: endpoint faults, retries, budget and resume");

const { model, members } = await trainDigitsTarget();
const rows = 200;
const records = members.features.subarray(0, rows * 64);
const expectedHash = await sha256Hex((await model.predict(records, rows)).values);
let server: ModelServer;
const scratch = mkdtempSync(join(tmpdir(), "mlleaks-endpoint-"));

test.before(async () => {
  server = await startModelServer(model, { recordShape: [64] });
});
test.after(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});
test.before.each(() => {
  server.hits = 0;
  server.answered = 0;
  server.arrivals.length = 0;
  server.faults.length = 0;
  server.always = undefined;
});

// Short backoff so the whole file takes seconds; the timeout is only ever reached by requests the
// server never answers ("hang"), with a wide margin for healthy answers on a loaded machine.
const fast: EndpointOptions = { batchSize: 50, concurrency: 1, timeoutMs: 2000, retries: 2, backoffMs: 5 };

async function rejects<E extends Error>(promise: Promise<unknown>, kind: new (...args: never[]) => E, pattern: RegExp): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, kind, `${(error as Error).name}: ${(error as Error).message}`);
    assert.match((error as Error).message, pattern);
    return error as E;
  }
  throw new assert.Assertion({ message: `expected a ${kind.name}`, operator: "rejects", generated: true, expects: kind.name, actual: "no error" });
}
const at = (url: string) => url.replace(/[.:/?]/g, "\\$&");

for (const protocol of ["v1", "v2"] as const) {
  test(`${protocol}: 503, 503, a dropped connection and an answer that never comes are retried; the answers are unchanged`, async () => {
    server.faults.push({ kind: "status", status: 503 }, { kind: "status", status: 503 }, { kind: "drop" }, { kind: "hang" });
    // All four land on the first batch: the fifth attempt (retries: 4) gets through.
    const endpoint = await openEndpointModel(protocol === "v1" ? server.v1Url : server.v2Url, { ...fast, retries: 4 });
    const got = await endpoint.predict(records, rows);
    assert.is(await sha256Hex(got.values), expectedHash);
    assert.is(server.hits, 4 + 4, "4 batches + 4 failed attempts");
    assert.is(endpoint.queries, rows + 4 * 50, "retried records count against the budget again");
  });
}

test("429 with Retry-After: the client waits as long as the server asks, then recovers", async () => {
  server.faults.push({ kind: "status", status: 429, retryAfter: "1" });
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, batchSize: 200 });
  const got = await endpoint.predict(records, rows);
  assert.is(await sha256Hex(got.values), expectedHash);
  assert.is(server.hits, 2);
  const waited = server.arrivals[1]! - server.arrivals[0]!;
  // Backoff alone would be 5 ms; Retry-After: 1 asks for a second (timers never fire early by more than a ms).
  assert.ok(waited >= 990, `waited ${waited} ms`);
  assert.is(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")), 30_000);
  assert.is(parseRetryAfter("soon"), undefined);
});

test("a Retry-After longer than maxWaitMs fails at once, naming it", async () => {
  server.faults.push({ kind: "status", status: 429, retryAfter: "120" });
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, maxWaitMs: 2000 });
  await rejects(endpoint.predict(records, rows), EndpointHttpError, /asks to retry after 120 s, longer than maxWaitMs 2000 ms \(HTTP 429: injected 429\)/);
  assert.is(server.hits, 1);
});

test("a dead endpoint (503 every time) ends after the retry budget with a clear error", async () => {
  server.always = { kind: "status", status: 503 };
  const endpoint = await openEndpointModel(server.v2Url, { ...fast, retries: 3 });
  const error = await rejects(endpoint.predict(records, rows), EndpointHttpError, new RegExp(`^${at(server.v2Url)}: predict failed after 4 attempts: HTTP 503: injected 503$`));
  assert.is(error.status, 503);
  assert.is(server.hits, 4, "1 attempt + 3 retries, then stop (no other batch is started)");
});

test("an endpoint that never answers in time: a timeout error after the retries", async () => {
  server.always = { kind: "hang" };
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, timeoutMs: 300, retries: 1 });
  await rejects(endpoint.predict(records, rows), EndpointTimeoutError, new RegExp(`^${at(server.v1Url)}: predict failed after 2 attempts: no answer within timeoutMs 300 ms$`));
  assert.is(server.hits, 2);
});

test("nothing listening: a network error naming the URL after the retries", async () => {
  const dead = await startModelServer(model, { recordShape: [64] });
  const url = dead.v1Url;
  await dead.close();
  const endpoint = await openEndpointModel(url, { ...fast, retries: 1 });
  await rejects(endpoint.predict(records, rows), EndpointNetworkError, new RegExp(`^${at(url)}: predict failed after 2 attempts: .*ECONNREFUSED`));
});

test("malformed JSON, wrong row count, wrong class count, NaN (literal and null): each a named error, not retried", async () => {
  const cases: Array<[Parameters<typeof server.faults.push>[0], new (...args: never[]) => Error, RegExp]> = [
    [{ kind: "malformed" }, EndpointMalformedError, /the predict answer is not valid JSON \(.*\); it starts "\{\\"predictions\\": \[\[0\.1, 0\.9\]"/],
    [{ kind: "wrong-rows" }, EndpointShapeError, /sent 50 instances but got 49 predictions/],
    [{ kind: "wrong-classes" }, EndpointShapeError, /predictions\[0\] has 9 values per record, expected 10 \(one per class\)/],
    [{ kind: "nan-literal" }, EndpointNonFiniteError, /the predict answer contains NaN or Infinity, which JSON cannot carry/],
    [{ kind: "nan-null" }, EndpointNonFiniteError, /the answer for record 0 has null \(how JSON writes NaN and Infinity\) at class 3; expected finite numbers/],
  ];
  for (const [fault, kind, pattern] of cases) {
    server.hits = 0;
    server.faults.push(fault);
    const endpoint = await openEndpointModel(server.v1Url, { ...fast, numClasses: 10 });
    const error = await rejects(endpoint.predict(records, rows), kind, pattern);
    assert.ok(error.message.startsWith(`${server.v1Url}: `), error.message);
    assert.is(server.hits, 1, `${fault.kind}: not retried`);
  }
  server.faults.push({ kind: "wrong-rows" });
  const v2 = await openEndpointModel(server.v2Url, fast);
  await rejects(v2.predict(records, rows), EndpointShapeError, /sent 50 records but the output's shape is \[49, 10\]/);
});

test("an answer longer than maxResponseBytes is refused while it streams in (the server sends it chunked)", async () => {
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, maxResponseBytes: 1000 });
  await rejects(endpoint.predict(records, rows), EndpointMalformedError, /the answer is over 1000 bytes, more than maxResponseBytes 1000/);
  assert.is(server.hits, 1, "not retried");
});

test("query budget: a call that would pass maxQueries fails before sending anything, naming the budget", async () => {
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, maxQueries: 250 });
  await endpoint.predict(records.subarray(0, 150 * 64), 150);
  assert.is(endpoint.queries, 150);
  const hits = server.hits;
  await rejects(endpoint.predict(records, rows), EndpointBudgetError, /query budget: 200 records need answers but 150 of maxQueries 250 are used; nothing was sent/);
  assert.is(server.hits, hits, "nothing sent");
  // Retries spend budget too: the run stops before the attempt that would pass it.
  server.faults.push({ kind: "status", status: 503 });
  const tight = await openEndpointModel(server.v1Url, { ...fast, maxQueries: 200 });
  await rejects(tight.predict(records, rows), EndpointBudgetError, /the next request \(50 records\) would pass maxQueries 200 \(200 used, retries included\)/);
});

test("resume: an interrupted run's answers come from the disk cache; nothing answered is asked again", async () => {
  const dir = join(scratch, "cache");
  // First run: the endpoint dies after two batches of 50 (concurrency 1, so exactly those two).
  // Two answers (slow, but within the timeout), then 503 until the retries run out.
  server.faults.push({ kind: "slow", ms: 50 }, { kind: "slow", ms: 50 }, { kind: "status", status: 503 }, { kind: "status", status: 503 }, { kind: "status", status: 503 });
  const first = await openEndpointModel(server.v2Url, { ...fast, cache: nodeEndpointCache(dir) });
  await rejects(first.predict(records, rows), EndpointHttpError, /failed after 3 attempts/);
  assert.is(server.answered, 100);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(".")), [], "no temporary files left");
  assert.is(readdirSync(dir).length, 2, "one file per answered batch");
  // Resumed (a new process would open the same folder): only the other 100 records are asked.
  server.answered = 0;
  server.hits = 0;
  const resumed = await openEndpointModel(server.v2Url, { ...fast, cache: nodeEndpointCache(dir) });
  const got = await resumed.predict(records, rows);
  assert.is(await sha256Hex(got.values), expectedHash);
  assert.is(server.answered, 100);
  assert.is(resumed.cacheHits, 100);
  assert.is(resumed.queries, 100);
  // Third run: everything cached, the endpoint is not asked at all; a different URL shares nothing.
  server.hits = 0;
  const again = await openEndpointModel(server.v2Url, { ...fast, cache: nodeEndpointCache(dir) });
  assert.is(await sha256Hex((await again.predict(records, rows)).values), expectedHash);
  assert.is(server.hits, 0);
  const otherUrl = await openEndpointModel(server.v1Url, { ...fast, cache: nodeEndpointCache(dir) });
  await otherUrl.predict(records.subarray(0, 64), 1);
  assert.is(server.hits, 1, "keys include the endpoint's URL");
});

test("a corrupt cache file is an error naming it", async () => {
  const dir = join(scratch, "corrupt");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(dir);
  writeFileSync(join(dir, "bad.json"), "{not json");
  const endpoint = await openEndpointModel(server.v1Url, { ...fast, cache: nodeEndpointCache(dir) });
  await rejects(endpoint.predict(records, rows), Error, new RegExp(`${at(join(dir, "bad.json"))}: not an endpoint cache file .*delete it to ask the endpoint again`));
});

test.run();
