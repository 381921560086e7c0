// A static file server for the built page (dist/web) on 127.0.0.1, with the headers the page needs:
// COOP/COEP make it cross-origin isolated (SharedArrayBuffer, so tfjs-backend-wasm can load its
// threaded binary), .wasm goes out as application/wasm (streaming compile), and nothing is cached.
// Only files under the mounted folders are served; anything else is 404.
//   node scripts/web-server.mjs [--port 8080] [--no-isolation]    (npm run web)
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = join(here, "..", "dist", "web");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/**
 * Starts the server; resolves to { url, server, requests } once listening. `mounts` maps URL
 * prefixes to folders, longest prefix first ({"/": dist/web} by default). `requests` logs every
 * path asked for (tests check the page asked for nothing unexpected). port 0 picks a free one.
 */
export function startWebServer({ mounts = { "/": webRoot }, port = 0, isolation = true } = {}) {
  const table = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url.pathname);
    const headers = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
    if (isolation) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, Allow: "GET, HEAD" }).end();
      return;
    }
    const mount = table.find(([prefix]) => url.pathname.startsWith(prefix));
    let path;
    let root;
    try {
      if (!mount) throw new Error("unmounted");
      root = mount[1];
      path = normalize(join(root, decodeURIComponent(url.pathname.slice(mount[0].length))));
    } catch {
      res.writeHead(404, headers).end("not found");
      return;
    }
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    let stat;
    try {
      stat = statSync(path);
      if (stat.isDirectory()) {
        path = join(path, "index.html");
        stat = statSync(path);
      }
    } catch {
      res.writeHead(404, headers).end("not found");
      return;
    }
    res.writeHead(200, {
      ...headers,
      "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
      "Content-Length": stat.size,
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(path).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address();
      resolve({ url: `http://127.0.0.1:${bound}/`, server, requests });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf("--port");
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`web-server: --port must be an integer from 0 to 65535, got ${args[portAt + 1]}`);
    process.exit(2);
  }
  try {
    statSync(join(webRoot, "index.html"));
  } catch {
    console.error(`web-server: ${join(webRoot, "index.html")} is missing: run \`npm run build:web\` first`);
    process.exit(1);
  }
  const { url } = await startWebServer({ port, isolation: !args.includes("--no-isolation") });
  console.log(`mlleaks audit page: ${url}  (Ctrl-C stops)`);
}
