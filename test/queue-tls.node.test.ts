// The Redis queue over TLS: a real redis-server listening on rediss:// only, with a throwaway CA and
// server certificate made by openssl in a temporary directory. The CA reaches ioredis through
// --queue-ca FILE (or the library's `tls` option) or through NODE_EXTRA_CA_CERTS; without it the
// connection is refused for the certificate.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createQueueRunner } from "../src/adapters/node/queue.js";
import { readQueueCa } from "../src/adapters/node/redis.js";
import { audit } from "../src/audit.js";
import { fingerprintReport } from "../src/report/json.js";
import { killWorkers, loggedCount, smallAuditOptions, spawnWorker, startRedis, type TestRedis, type TestTls } from "./queue-redis.js";

const tlsQueue = suite("queue: TLS (rediss://)");
const MODELS = 6;
let dir: string;
let tls: TestTls;
let redis: TestRedis;

/** A CA and a server certificate for 127.0.0.1 it signed, valid for a day. */
function makeCertificates(into: string): TestTls {
  const file = (name: string) => join(into, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "1", "-subj", "/CN=mlleaks test CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(file("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("server.crt"), "-days", "1", "-extfile", file("san.cnf"));
  return { certFile: file("server.crt"), keyFile: file("server.key"), caFile: file("ca.crt"), ca: readFileSync(file("ca.crt"), "utf8") };
}

tlsQueue.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "mlleaks-tls-"));
  tls = makeCertificates(dir);
  redis = await startRedis([], undefined, tls);
});
tlsQueue.after(async () => {
  killWorkers();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

tlsQueue("an audit over rediss://: workers given the CA by --queue-ca and by NODE_EXTRA_CA_CERTS, the in-process fingerprint", async () => {
  assert.match(redis.url, /^rediss:\/\//);
  const [inProcess, byOption, byEnvironment] = await Promise.all([
    smallAuditOptions(3, 150).then(audit).then(fingerprintReport),
    spawnWorker(redis.url, ["--queue-ca", tls.caFile]),
    spawnWorker(redis.url, [], { NODE_EXTRA_CA_CERTS: tls.caFile }),
  ]);
  const runner = await createQueueRunner(redis.url, { tls: await readQueueCa(redis.url, tls.caFile) });
  try {
    const report = await audit({ ...(await smallAuditOptions(3, 150)), runJobs: runner.runJobs });
    assert.is(await fingerprintReport(report), inProcess);
    assert.is(runner.stats.enqueued, MODELS);
    const trained = () => byOption.trained() + byEnvironment.trained();
    assert.ok((await loggedCount(trained, MODELS)) >= MODELS);
  } finally {
    await runner.close();
    await Promise.all([byOption.stop(), byEnvironment.stop()]);
  }
});

tlsQueue("without the CA the server's certificate is refused; --queue-ca wants rediss:// and a PEM file", async () => {
  const error = await createQueueRunner(redis.url).then(
    (runner) => runner.close().then(() => undefined),
    (e: Error) => e,
  );
  assert.ok(error, "an untrusted certificate must not connect");
  assert.match(error!.message, /certificate/i);
  const plain = redis.url.replace("rediss://", "redis://");
  assert.match(await readQueueCa(plain, tls.caFile).then(() => "", (e: Error) => e.message), /--queue-ca: a CA is for a TLS queue, expected a rediss:\/\/ URL/);
  assert.match(await readQueueCa(redis.url, tls.keyFile).then(() => "", (e: Error) => e.message), `--queue-ca ${tls.keyFile}: expected PEM certificates`);
  assert.match(await readQueueCa(redis.url, join(dir, "missing.pem")).then(() => "", (e: Error) => e.message), /missing\.pem: no such file/);
});

tlsQueue.run();
