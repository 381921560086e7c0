// Hostile requests to the edge handler (Node, Deno and Chromium alike): unknown paths are 404, a
// deeply nested body is refused while it streams in (before JSON.parse and before the rest of it
// is read), and a stalled upload is cut off with 408.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createLeakageHandler, fetch as leakageCheck } from "../src/edge/index.js";
import { JsonDepthError, JsonDepthScanner } from "../src/edge/json-scan.js";

const hostile = suite("edge handler: hostile requests");
const JSON_TYPE = { "content-type": "application/json" };

async function expectError(response: Response, status: number, pattern: RegExp): Promise<void> {
  assert.is(response.status, status, `status ${response.status}, expected ${status}`);
  const body = (await response.json()) as { error?: unknown };
  assert.type(body.error, "string");
  assert.match(body.error as string, pattern);
}

hostile("paths other than / are 404, whatever the method, dot segments resolved", async () => {
  for (const path of ["/admin/../etc/passwd", "/admin", "/%2e%2e/x", "/index.html"]) {
    await expectError(await leakageCheck(new Request(`http://edge.test${path}`, { method: "POST", headers: JSON_TYPE, body: "{}" })), 404, /no such path/);
    await expectError(await leakageCheck(new Request(`http://edge.test${path}`)), 404, /POST to \//);
  }
  const custom = createLeakageHandler({ path: "/audit" });
  await expectError(await custom(new Request("http://edge.test/", { method: "POST", headers: JSON_TYPE, body: "{}" })), 404, /POST to \/audit/);
  await expectError(await custom(new Request("http://edge.test/audit", { method: "POST", headers: JSON_TYPE, body: "{}" })), 422, /members/);
});

hostile("a nested [[[...]]] body is refused at the first bytes past the depth limit, the rest unread", async () => {
  let pulled = 0;
  const open = new TextEncoder().encode("[".repeat(64 * 1024));
  const nested = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += open.byteLength;
      if (pulled > 7 * 1024 * 1024) controller.close();
      else controller.enqueue(open);
    },
  });
  const request = new Request("http://edge.test/", { method: "POST", headers: JSON_TYPE, body: nested, duplex: "half" } as RequestInit);
  await expectError(await leakageCheck(request), 400, /deeper than 8 levels \(at byte 8\)/);
  assert.ok(pulled <= 4 * open.byteLength, `read ${pulled} bytes of a 7 MB body`);
});

hostile("the depth scan ignores brackets in strings and escapes, and carries state across chunks", () => {
  const scan = (parts: string[], depth = 3) => {
    const scanner = new JsonDepthScanner(depth);
    for (const part of parts) scanner.push(new TextEncoder().encode(part));
  };
  scan(['{"a":"[[[[[[\\"[[[["', ',"b":[[1]]}']);
  scan(['{"a":"\\', '"[[[["}']);
  assert.throws(() => scan(["[[", "[[]]]]"]), (error: unknown) => error instanceof JsonDepthError && error.offset === 3);
  assert.throws(() => scan(['{"a":"\\\\"', ",[[[1]]]}"]), (error: unknown) => error instanceof JsonDepthError);
});

hostile("a body that stalls is answered 408 after bodyTimeoutMs", async () => {
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"members":'));
    },
  });
  const handler = createLeakageHandler({ bodyTimeoutMs: 50 });
  const request = new Request("http://edge.test/", { method: "POST", headers: JSON_TYPE, body: stalled, duplex: "half" } as RequestInit);
  await expectError(await handler(request), 408, /not received within 50 ms/);
});

hostile.run();
