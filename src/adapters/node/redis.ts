// Redis connections for the queue, through ioredis (BullMQ's own driver): the URL checked up front
// with messages that never show its password, and connections that wait out a Redis restart.
import { Redis } from "ioredis";
import { readFileNamed } from "./fs.js";

/** redis://[[user]:password@]host[:port][/db] or rediss://... (TLS); throws naming `argument`. */
export function checkRedisUrl(url: string, argument = "queue URL"): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${argument}: expected redis://[:password@]host:port or rediss://..., got '${redactRedisUrl(url)}'`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new Error(`${argument}: expected a redis:// or rediss:// URL, got '${parsed.protocol}' in '${redactRedisUrl(url)}'`);
  }
  if (parsed.hostname === "") throw new Error(`${argument}: no host in '${redactRedisUrl(url)}'`);
  const dbText = parsed.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d+$/.test(dbText)) throw new Error(`${argument}: the database number after the host must be an integer >= 0, got '${dbText}'`);
}

/** The URL with its password replaced by ***, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/** TLS beyond what the URL says: the certificate authority (PEM) that signed a rediss:// server's certificate. */
export interface QueueTls {
  readonly ca: string;
}

/**
 * The --queue-ca FILE option: a PEM file of CA certificates, for a rediss:// URL only. Without it, TLS
 * trusts Node's CAs, to which the NODE_EXTRA_CA_CERTS environment variable can add a file.
 */
export async function readQueueCa(url: string, caFile: string | undefined, argument = "--queue-ca"): Promise<QueueTls | undefined> {
  if (caFile === undefined) return undefined;
  if (!url.startsWith("rediss://")) throw new Error(`${argument}: a CA is for a TLS queue, expected a rediss:// URL, got '${redactRedisUrl(url)}'`);
  const ca = new TextDecoder().decode(await readFileNamed(caFile));
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${argument} ${caFile}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
  return { ca };
}

export interface RedisOptions {
  readonly url: string;
  readonly maxRetriesPerRequest: null;
  readonly retryStrategy: (attempt: number) => number;
  readonly tls?: { ca: string };
}

/**
 * ioredis options for every connection to the queue's server: commands wait while Redis is away
 * (maxRetriesPerRequest: null, as BullMQ requires for workers) and the connection is retried every
 * few hundred ms, so a restart costs seconds. ioredis reads host, port, password, db and TLS from the
 * URL; `tls` adds the CA that signed the server's certificate.
 */
export function redisOptions(url: string, tls?: QueueTls): RedisOptions {
  return { url, maxRetriesPerRequest: null, retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000), ...(tls ? { tls: { ca: tls.ca } } : {}) };
}

/**
 * A connection of our own (blobs and results), open once it answers. A server that refuses it (down,
 * wrong password) is an error naming the redacted URL, and the connection is dropped, not retried.
 */
export async function openRedis(url: string, tls?: QueueTls): Promise<Redis> {
  const { url: _, ...options } = redisOptions(url, tls);
  const client = new Redis(url, { ...options, lazyConnect: true });
  // Errors while connected are retried by ioredis; the commands waiting on them see them if they fail.
  // The first one says why a connection is refused (ECONNREFUSED, WRONGPASS): connect() only says it closed.
  let cause: Error | undefined;
  client.on("error", (error: Error) => void (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`queue ${redactRedisUrl(url)}: cannot connect: ${(cause ?? (error as Error)).message}`);
  }
  return client;
}
