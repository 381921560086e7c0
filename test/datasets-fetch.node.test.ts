// `mlleaks datasets fetch` against a real HTTP server on 127.0.0.1 serving files the test writes:
// resume after an interrupted transfer, checksum mismatch, archives, the CLI end to end.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchDataSource } from "../src/adapters/browser/dataset-source.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { downloadFile } from "../src/adapters/node/download.js";
import { fetchDataset, MANIFEST } from "../src/adapters/node/fetch-dataset.js";
import { loadNamedDataset } from "../src/adapters/node/datasets.js";
import { main } from "../src/cli/main.js";
import { loadDataset } from "../src/datasets/index.js";
import { remoteSource } from "../src/datasets/remote.js";
import { parseTar } from "../src/datasets/tar.js";
import { initKernels } from "../src/kernels/index.js";
import { sha256OfArrays } from "../src/util/sha256.js";
import { ADULT_DATA, ADULT_TEST, cifarFile, gzipBytes, idxFile, text } from "./datasets-fixtures.js";

const fetching = suite("datasets fetch: HTTP on 127.0.0.1");

interface Served {
  files: Map<string, Uint8Array>;
  /** Paths whose next response is cut off after this many body bytes. */
  cut: Map<string, number>;
  requests: { path: string; range: string | undefined }[];
}
const served: Served = { files: new Map(), cut: new Map(), requests: [] };
let server: Server;
let base = "";
let dir = "";

fetching.before(async () => {
  await initKernels();
  dir = mkdtempSync(join(tmpdir(), "mlleaks-fetch-"));
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    served.requests.push({ path, range: req.headers.range });
    if (req.method === "HEAD" && path.startsWith("/nohead/")) {
      res.writeHead(405).end();
      return;
    }
    const body = served.files.get(path);
    if (!body) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { "Content-Length": body.length - start, "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { "Content-Length": body.length });
    }
    const cutAfter = served.cut.get(path);
    if (cutAfter !== undefined) {
      served.cut.delete(path);
      res.write(body.subarray(start, start + cutAfter), () => res.destroy());
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

fetching.after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** A ustar archive of the given files (what `tar czf` makes, minus the gzip). */
function tarFile(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [path, data] of Object.entries(files)) {
    const header = new Uint8Array(512);
    const put = (at: number, s: string) => header.set(text(s), at);
    put(0, path);
    put(100, "0000644\0");
    put(108, "0000000\0");
    put(116, "0000000\0");
    put(124, data.length.toString(8).padStart(11, "0") + "\0");
    put(136, "00000000000\0");
    header[156] = 0x30;
    put(257, "ustar\0");
    put(263, "00");
    header.fill(32, 148, 156);
    const sum = header.reduce((s, b) => s + b, 0);
    put(148, sum.toString(8).padStart(6, "0") + "\0 ");
    blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

fetching("an interrupted download resumes with an HTTP Range request and ends byte-identical", async () => {
  const body = pseudoRandom(300_000, 1);
  served.files.set("/big.bin", body);
  served.cut.set("/big.bin", 100_000);
  served.requests.length = 0;
  const dest = join(dir, "resume", "big.bin");
  const progress: number[] = [];
  try {
    await downloadFile(`${base}/big.bin`, dest, { expected: { md5: md5(body), bytes: body.length } });
    assert.unreachable("the first attempt must fail");
  } catch (error) {
    assert.match((error as Error).message, /big\.bin: download interrupted after \d+ bytes .*run the same command again to resume/);
  }
  assert.not.ok(existsSync(dest), "no file under the real name after an interruption");
  const partial = statSync(`${dest}.part`).size;
  assert.ok(partial >= 100_000 && partial < body.length, `partial ${partial}`);
  const result = await downloadFile(`${base}/big.bin`, dest, { expected: { md5: md5(body), bytes: body.length }, onProgress: (done) => progress.push(done) });
  assert.is(result.resumedFrom, partial);
  assert.is(served.requests[1]!.range, `bytes=${partial}-`);
  assert.is(progress[0], partial);
  assert.is(progress[progress.length - 1], body.length);
  assert.ok(Buffer.from(readFileSync(dest)).equals(Buffer.from(body)));
  assert.is(result.md5, md5(body));
  assert.not.ok(existsSync(`${dest}.part`));
});

fetching("a checksum mismatch is an error; nothing is left under the real name or as a part file", async () => {
  served.files.set("/wrong.bin", pseudoRandom(5000, 2));
  const dest = join(dir, "mismatch", "wrong.bin");
  try {
    await downloadFile(`${base}/wrong.bin`, dest, { expected: { md5: "0123456789abcdef0123456789abcdef" } });
    assert.unreachable("must fail");
  } catch (error) {
    assert.match((error as Error).message, /wrong\.bin: checksum mismatch: expected MD5 0123456789abcdef0123456789abcdef, got [0-9a-f]{32}; the download was deleted/);
  }
  assert.not.ok(existsSync(dest));
  assert.not.ok(existsSync(`${dest}.part`));
  try {
    await downloadFile(`${base}/missing.bin`, join(dir, "missing.bin"));
    assert.unreachable("must fail");
  } catch (error) {
    assert.match((error as Error).message, /127\.0\.0\.1:\d+\/missing\.bin: HTTP 404 Not Found/);
  }
});

fetching("an archive dataset: interrupted, resumed, MD5-verified, unpacked, loaded, registered; a second fetch downloads nothing", async () => {
  const names = text("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
  const members: Record<string, Uint8Array> = { "cifar-10-batches-bin/batches.meta.txt": names };
  for (let b = 1; b <= 5; b++) members[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifarFile([[b]], b);
  members["cifar-10-batches-bin/test_batch.bin"] = cifarFile([[0], [9]], 9);
  // Incompressible padding, so the transfer is cut well after the response has started.
  members["cifar-10-batches-bin/readme.html"] = pseudoRandom(200_000, 3);
  const archive = await gzipBytes(tarFile(members));
  assert.is(parseTar(tarFile(members), "t.tar").length, 8);
  served.files.set("/cifar-10-binary.tar.gz", archive);
  served.cut.set("/cifar-10-binary.tar.gz", Math.floor(archive.length / 2));
  const remote = { ...remoteSource("cifar10")!, files: [{ url: `${base}/cifar-10-binary.tar.gz`, file: "cifar-10-binary.tar.gz", md5: md5(archive), bytes: archive.length, extract: "tar.gz" as const }] };
  const dataDir = join(dir, "data");
  await fetchDataset(remote, { dataDir }).then(
    () => assert.unreachable("first attempt is cut off"),
    (error: Error) => assert.match(error.message, /download interrupted/),
  );
  const logs: string[] = [];
  const manifest = await fetchDataset(remote, { dataDir, log: (m) => logs.push(m) });
  assert.equal({ records: manifest.records, features: manifest.features, classes: manifest.classes }, { records: 7, features: 3072, classes: 10 });
  assert.is(manifest.files[0]!.verified, "md5");
  assert.ok(logs.some((l) => /resumed at byte \d+/.test(l)), logs.join("\n"));
  assert.ok(logs.some((l) => /MD5 verified/.test(l)));
  assert.ok(existsSync(join(dataDir, "cifar10", "cifar-10-batches-bin", "test_batch.bin")));
  assert.ok(existsSync(join(dataDir, "cifar10", MANIFEST)));
  const d = await loadNamedDataset("cifar10", { dataDir });
  assert.equal(Array.from(d.labels), [1, 2, 3, 4, 5, 0, 9]);
  const before = served.requests.length;
  const again: string[] = [];
  await fetchDataset(remote, { dataDir, log: (m) => again.push(m) });
  assert.is(served.requests.length, before, "no new request");
  assert.ok(again.some((l) => /already downloaded and verified/.test(l)));
});

fetching("CLI: `datasets fetch adult --mirror` then `datasets list --json` shows it with its real counts", async () => {
  served.files.set("/adult.data", text(ADULT_DATA));
  served.files.set("/adult.test", text(ADULT_TEST));
  served.files.set("/adult.names", text("| adult.names\n"));
  const dataDir = join(dir, "cli");
  const out: string[] = [];
  const log = console.log;
  const write = process.stderr.write;
  console.log = (...args: unknown[]) => void out.push(args.join(" "));
  const errors: string[] = [];
  process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  let codes: number[];
  try {
    codes = [
      await main(["datasets", "fetch", "adult", "--dir", dataDir, "--mirror", base]),
      await main(["datasets", "list", "--json", "--dir", dataDir]),
      await main(["datasets", "fetch", "imagenet", "--dir", dataDir]),
      await main(["datasets", "fetch", "mnist", "--dir", dataDir, "--mirror", `${base}/nothing-here`]),
    ];
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
  assert.equal(codes, [0, 0, 2, 1]);
  assert.match(out[0]!, /^adult: 5 records, 108 features, 2 classes in /);
  const listed = JSON.parse(out.slice(1).join("\n")) as { name: string; records: number; features: number; classes: number; source: string }[];
  // (fashion-mnist-full appears between them when Debian's dataset-fashion-mnist is installed.)
  assert.equal(listed.slice(0, 7).map((d) => d.name), ["fashion-mnist", "digits", "census", "purchase", "dna", "mail", "faces"]);
  assert.equal(listed[listed.length - 1], { name: "adult", records: 5, features: 108, classes: 2, source: join(dataDir, "adult") });
  const stderr = errors.join("");
  assert.match(stderr, /adult\.data: \d+ bytes; no published checksum, recorded SHA-256 [0-9a-f]{64}/);
  assert.match(stderr, /fetch adult\.data: \d+\/\d+/, "progress lines on a non-TTY");
  assert.match(stderr, /unknown dataset 'imagenet'/);
  assert.match(stderr, /nothing-here\/train-images-idx3-ubyte\.gz: HTTP 404/);
});

fetching("fetchDataSource (the browser adapter) loads over HTTP: the vendored digits equal the file-system load; HEAD-less servers work", async () => {
  const bundled = bundledDataSource();
  served.files.set("/web/optdigits.csv.gz", await bundled.read("optdigits.csv.gz"));
  const overHttp = await loadDataset("digits", { source: fetchDataSource(`${base}/web/`) });
  const fromDisk = await loadDataset("digits", { source: bundled });
  assert.is(await sha256OfArrays([overHttp.features, overHttp.labels]), await sha256OfArrays([fromDisk.features, fromDisk.labels]));
  // IDX loaders probe for ".gz" first; a server that refuses HEAD is asked for one byte instead.
  served.files.set("/nohead/t10k-images-idx3-ubyte", idxFile([1, 2, 2], [0, 51, 102, 255]));
  served.files.set("/nohead/t10k-labels-idx1-ubyte", idxFile([1], [4]));
  const images = await loadDataset("fashion-mnist", { source: fetchDataSource(`${base}/nohead`) });
  assert.equal(Array.from(images.features), [0, 0.2, 0.4, 1].map(Math.fround));
  assert.equal(Array.from(images.labels), [4]);
  try {
    await loadDataset("dna", { source: fetchDataSource(`${base}/web/`) });
    assert.unreachable("must fail");
  } catch (error) {
    assert.match((error as Error).message, /^http:\/\/127\.0\.0\.1:\d+\/web\/dna\.csv\.gz: HTTP 404 Not Found/);
  }
});

fetching.run();
