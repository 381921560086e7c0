// The Node server's worker pool for the edge handler (src/adapters/node/edge-pool.ts): a large
// legitimate body computes in a worker while small requests are answered on the event loop, a full
// queue is 503 with Retry-After, and a worker's answer is byte for byte the in-place one.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createEdgePool } from "../src/adapters/node/edge-pool.js";
import { answerLeakageBody, createLeakageHandler } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { posteriorsRequestBody } from "./runtimes/edge-requests.js";

const pool = suite("edge handler: large bodies in a worker pool");
await initKernels();
const LARGE = posteriorsRequestBody(3000, 10);
const SMALL = posteriorsRequestBody(20, 2, 7);

const post = (body: string) => new Request("http://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body });

/** Resolves once the pool has a body in a worker (polls the pool's own count, not a clock). */
async function untilRunning(edgePool: { running: number }, count: number): Promise<void> {
  while (edgePool.running < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

pool("a small request is answered while a large one computes in a worker", async () => {
  const edgePool = createEdgePool({ workers: 1 });
  try {
    const handler = createLeakageHandler({ offload: edgePool.offload });
    const order: string[] = [];
    const large = handler(post(LARGE)).then(async (response) => {
      order.push("large");
      return response;
    });
    await untilRunning(edgePool, 1);
    const small = await handler(post(SMALL));
    order.push("small");
    assert.is(small.status, 200);
    // Without the pool the large body's parse and audit would hold the event loop: "small" could
    // only come after "large".
    assert.is(edgePool.running, 1, "the large body is still computing when the small answer is ready");
    const largeResponse = await large;
    assert.equal(order, ["small", "large"]);
    assert.is(largeResponse.status, 200);
    const inPlace = await answerLeakageBody(new TextEncoder().encode(LARGE));
    assert.is(await largeResponse.text(), inPlace.body, "the worker's answer is the in-place answer, byte for byte");
  } finally {
    await edgePool.close();
  }
});

pool("a full queue is 503 with Retry-After; small bodies are still answered in place", async () => {
  const edgePool = createEdgePool({ workers: 1, maxQueue: 1, retryAfterSeconds: 3 });
  try {
    const handler = createLeakageHandler({ offload: edgePool.offload });
    const running = handler(post(LARGE));
    await untilRunning(edgePool, 1);
    const waiting = handler(post(LARGE));
    while (edgePool.queued < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    const refused = await handler(post(LARGE));
    assert.is(refused.status, 503);
    assert.is(refused.headers.get("retry-after"), "3");
    assert.match(((await refused.json()) as { error: string }).error, /server busy: 1 worker\(s\) busy and 1 large bodies waiting; retry after 3 s/);
    assert.is((await handler(post(SMALL))).status, 200);
    assert.is((await running).status, 200);
    assert.is((await waiting).status, 200);
  } finally {
    await edgePool.close();
  }
});

pool("bad large bodies get the same 4xx answers from a worker", async () => {
  const edgePool = createEdgePool({ workers: 1 });
  try {
    const handler = createLeakageHandler({ offload: edgePool.offload, offloadAboveBytes: 0 });
    const notJson = await handler(post(`{"members": ${"1".repeat(100)}`));
    assert.is(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /body is not valid JSON/);
    const badLabel = JSON.parse(SMALL) as { members: { labels: number[] } };
    badLabel.members.labels[0] = 1.5;
    const response = await handler(post(JSON.stringify(badLabel)));
    assert.is(response.status, 422);
    assert.match(((await response.json()) as { error: string }).error, /members\.labels\[0\] is number 1\.5/);
  } finally {
    await edgePool.close();
  }
});

pool("a worker that runs out of its heap fails that request alone (500) and is replaced", async () => {
  const edgePool = createEdgePool({ workers: 1, workerHeapMb: 8 });
  try {
    const handler = createLeakageHandler({ offload: edgePool.offload });
    const failed = await handler(post(posteriorsRequestBody(15_000, 10)));
    assert.is(failed.status, 500);
    assert.match(((await failed.json()) as { error: string }).error, /internal error: the worker answering this body failed: .*memory/i);
    const answered = await createLeakageHandler({ offload: edgePool.offload, offloadAboveBytes: 0 })(post(SMALL));
    assert.is(answered.status, 200, "the fresh worker answers");
  } finally {
    await edgePool.close();
  }
});

pool.run();
