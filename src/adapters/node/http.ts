// Serves a standard fetch handler (Request => Promise<Response>) from node:http, the way Deno.serve
// does in Deno: the request body streams in (so the handler can refuse an oversized body while
// reading), and the response body streams out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

export type FetchHandler = (request: Request) => Promise<Response>;

export interface ServeOptions {
  /** Default 127.0.0.1: only this machine. */
  readonly hostname?: string;
  /** 0 picks a free port (read it from the result). */
  readonly port?: number;
  /** Most milliseconds for a whole request, headers and body (default 60,000): slow uploads are cut off. */
  readonly requestTimeoutMs?: number;
}

export interface NodeServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

async function sendResponse(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  });
  // Answered before the body was read to the end (a refused upload): close the connection after
  // this response rather than read the rest.
  if (!req.complete) headers["connection"] = "close";
  res.writeHead(response.status, response.statusText, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>)
      .on("error", reject)
      .pipe(res)
      .on("finish", resolve)
      .on("error", reject);
  });
}

/** Starts serving; resolves once listening. */
export function serveFetch(handler: FetchHandler, options: ServeOptions = {}): Promise<NodeServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const server = createServer({ requestTimeout, headersTimeout: Math.min(requestTimeout, 20_000) }, (req, res) => {
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    const address = server.address();
    const origin = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${typeof address === "object" && address ? address.port : 0}`;
    handler(toRequest(req, origin, aborted.signal))
      .then((response) => sendResponse(response, req, res))
      .catch((error: unknown) => {
        // The handler answers every bad request itself; this is for a broken connection or a bug.
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "application/json; charset=utf-8" });
          res.end(JSON.stringify({ error: `internal error: ${error instanceof Error ? error.message : String(error)}` }));
        } else {
          res.destroy();
        }
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        server,
        url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
