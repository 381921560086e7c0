// The edge handler behind a real server on 127.0.0.1, sent real HTTP requests: Deno.serve when this
// file runs under Deno, the Node adapter (node:http) under Node. Good requests and bad ones: the
// same set (test/runtimes/edge-requests.ts) that workerd and Edge Runtime get in test:runtimes.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createLeakageHandler } from "../src/edge/index.js";
import { EDGE_TEST_LIMITS, edgeCases, sendEdgeCase } from "./runtimes/edge-requests.js";

interface Served {
  url: string;
  close(): Promise<void>;
  runtime: string;
}

interface DenoServe {
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: (r: Request) => Promise<Response>): {
    addr: { port: number };
    shutdown(): Promise<void>;
  };
}

const handler = createLeakageHandler(EDGE_TEST_LIMITS);

async function serve(): Promise<Served> {
  const deno = (globalThis as { Deno?: DenoServe }).Deno;
  if (deno) {
    const server = deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
    return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown(), runtime: "Deno.serve" };
  }
  const { serveFetch } = await import("../src/adapters/node/http.js");
  const server = await serveFetch(handler, { hostname: "127.0.0.1", port: 0 });
  return { url: server.url, close: () => server.close(), runtime: "node:http adapter" };
}

const served = suite("edge handler over HTTP");
let server: Served;
served.before(async () => {
  server = await serve();
});
served.after(async () => {
  await server.close();
});

function post(body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }): Promise<Response> {
  return fetch(server.url, { method: "POST", headers, body });
}

served("a good request gets every attack's figures", async () => {
  const members = { posteriors: [[0.9, 0.1], [0.05, 0.95], [0.8, 0.2]], labels: [0, 1, 0] };
  const nonMembers = { posteriors: [[0.6, 0.4], [0.45, 0.55], [0.7, 0.3]], labels: [0, 1, 1] };
  const response = await post(JSON.stringify({ members, nonMembers }));
  assert.is(response.status, 200, server.runtime);
  const body = (await response.json()) as { attacks: Array<{ name: string; auc: number; tprAtFpr: Record<string, number>; advantage: number; precision: number; recall: number }> };
  assert.equal(body.attacks.map((a) => a.name).sort(), ["adversary-3-entropy", "adversary-3-max", "correctness", "loss", "modified-entropy"]);
  const max = body.attacks.find((a) => a.name === "adversary-3-max")!;
  assert.is(max.auc, 1);
  for (const a of body.attacks) {
    assert.ok(a.auc >= 0 && a.auc <= 1, `${a.name} auc ${a.auc}`);
    assert.equal(Object.keys(a.tprAtFpr).sort(), ["0.001", "0.01"]);
    assert.type(a.advantage, "number");
    assert.type(a.precision, "number");
    assert.type(a.recall, "number");
  }
});

served("every request of the shared set gets its status; errors are JSON naming the problem", async () => {
  for (const c of edgeCases()) {
    const answer = await sendEdgeCase(server.url, c);
    const text = new TextDecoder().decode(answer.body);
    assert.is(answer.status, c.status, `${server.runtime}, ${c.name}: ${text.slice(0, 200)}`);
    assert.match(answer.contentType ?? "", /application\/json/);
    const body = JSON.parse(text) as { error?: string; attacks?: unknown[] };
    if (c.error) assert.match(body.error ?? "", c.error, c.name);
    if (c.status === 200) assert.ok((body.attacks?.length ?? 0) >= 2, c.name);
  }
});

served("a body streamed without Content-Length is refused once it passes the limit", async () => {
  let sent = 0;
  const chunk = new TextEncoder().encode(" ".repeat(4096));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      // Bounded: 16 MiB at most, far past the 64 KiB limit.
      if (sent >= 16 << 20) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
  const text = await response.text();
  assert.is(response.status, 413, `${server.runtime}: ${text}`);
  assert.match((JSON.parse(text) as { error: string }).error, /over 65536/);
  // The client may have pushed some megabytes into socket buffers; it never got to send them all.
  assert.ok(sent < 16 << 20, `${server.runtime} let the whole upload through (${sent} bytes)`);
});

served.run();
