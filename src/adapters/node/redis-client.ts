// A Redis connection over node:net / node:tls speaking RESP2, shaped like Bun's built-in RedisClient
// (send, connect, close, duplicate, connected, onconnect/onclose) so that BullMQ's own Bun adapter
// (createBunRedisClient, picked automatically for such a client) drives it. BullMQ's usual driver,
// ioredis, is an optional peer dependency that this package does not install; this keeps BullMQ the
// queue engine with nothing more than a socket. Binary values (training data, results) go through
// sendForBuffer(), which returns bulk strings as Buffers.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export type RedisArgument = string | number | Buffer;
type Reply = string | number | Buffer | null | Reply[] | Error;

interface Pending {
  resolve(reply: unknown): void;
  reject(error: Error): void;
  buffers: boolean;
}

/** redis://[[user]:password@]host[:port][/db] or rediss://... (TLS). */
export interface RedisTarget {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
}

export function parseRedisUrl(url: string, argument = "queue URL"): RedisTarget {
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
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error(`${argument}: the database number after the host must be an integer >= 0, got '${dbText}'`);
  return {
    tls: parsed.protocol === "rediss:",
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db,
  };
}

/** The URL with its password replaced by ***, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

function encode(command: string, args: readonly RedisArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

const INCOMPLETE = Symbol("incomplete");

/** Parses one reply at `offset`; INCOMPLETE when the buffer does not hold all of it yet. */
function parseReply(buffer: Buffer, offset: number, buffers: boolean): { reply: Reply; next: number } | typeof INCOMPLETE {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return INCOMPLETE;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { reply: line, next };
    case "-":
      return { reply: new Error(line), next };
    case ":":
      return { reply: Number(line), next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { reply: null, next };
      if (buffer.length < next + length + 2) return INCOMPLETE;
      const bytes = buffer.subarray(next, next + length);
      return { reply: buffers ? Buffer.from(bytes) : bytes.toString("utf8"), next: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: null, next };
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at, buffers);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.reply);
        at = item.next;
      }
      return { reply: items, next: at };
    }
    default:
      throw new Error(`redis: unexpected reply type '${type}'`);
  }
}

/** Bulk-string length announced at the start of a reply, so a large value is parsed once, whole. */
function announcedLength(buffer: Buffer): number {
  if (buffer[0] !== 0x24 /* $ */) return 0;
  const lineEnd = buffer.indexOf("\r\n");
  return lineEnd === -1 ? 0 : lineEnd + 2 + Number(buffer.toString("utf8", 1, lineEnd)) + 2;
}

export class RedisSocketClient {
  readonly url: string;
  private readonly target: RedisTarget;
  private socket: Socket | undefined;
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = 0;
  private closing = false;
  connected = false;
  onconnect: (() => void) | null | undefined;
  onclose: ((error?: Error) => void) | null | undefined;
  onerror: ((error: Error) => void) | null | undefined;

  constructor(url: string) {
    this.url = url;
    this.target = parseRedisUrl(url);
  }

  private connecting: Promise<void> | undefined;

  /** Connects again if the connection was lost (a restarted server); one attempt at a time. */
  ensureConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Opens the socket, authenticates and selects the database. */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.closing = false;
    return new Promise<void>((resolve, reject) => {
      const { host, port, tls } = this.target;
      const socket = tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
      this.socket = socket;
      socket.setNoDelay(true);
      let opened = false;
      socket.once(tls ? "secureConnect" : "connect", async () => {
        opened = true;
        try {
          const { username, password, db } = this.target;
          if (password !== undefined) await this.command("AUTH", username ? [username, password] : [password]);
          if (db !== 0) await this.command("SELECT", [db]);
        } catch (error) {
          socket.destroy();
          reject(new Error(`redis ${redactRedisUrl(this.url)}: ${(error as Error).message}`));
          return;
        }
        this.connected = true;
        this.onconnect?.();
        resolve();
      });
      socket.on("data", (chunk) => this.receive(chunk));
      socket.on("error", (error) => {
        if (!opened) reject(new Error(`redis ${redactRedisUrl(this.url)}: ${error.message}`));
        this.onerror?.(error);
      });
      socket.on("close", () => {
        const wasConnected = this.connected;
        this.connected = false;
        this.chunks = [];
        this.buffered = 0;
        this.needed = 0;
        for (const p of this.pending.splice(0)) p.reject(new Error("Connection closed"));
        // No error argument: BullMQ's adapter then reconnects without emitting 'error' (an adapter
        // that BullMQ has already let go of would otherwise crash the process with it).
        if (wasConnected) this.onclose?.();
      });
    });
  }

  /** A command whose bulk-string replies come back as strings (what BullMQ expects). */
  send<T = unknown>(command: string, args: readonly RedisArgument[] = []): Promise<T> {
    if (!this.connected) return Promise.reject(new Error("Connection closed"));
    return this.command(command, args) as Promise<T>;
  }

  /** A command whose bulk-string replies come back as Buffers (binary values). */
  sendForBuffer(command: string, args: readonly RedisArgument[] = []): Promise<unknown> {
    if (!this.connected) return Promise.reject(new Error("Connection closed"));
    return this.command(command, args, true);
  }

  // The few typed commands of Bun's client that BullMQ's adapter declares.
  get(key: string): Promise<string | null> {
    return this.send<string | null>("GET", [key]);
  }

  smembers(key: string): Promise<string[]> {
    return this.send<string[]>("SMEMBERS", [key]);
  }

  incr(key: string): Promise<number> {
    return this.send<number>("INCR", [key]);
  }

  close(): void {
    this.closing = true;
    this.socket?.end();
    this.socket?.destroy();
  }

  disconnect(): void {
    this.close();
  }

  /** A new, unconnected client for the same server (BullMQ's blocking connections, reconnects). */
  duplicate(): Promise<this> {
    return Promise.resolve(new RedisSocketClient(this.url) as this);
  }

  private command(command: string, args: readonly RedisArgument[], buffers = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, buffers });
      this.socket!.write(encode(command, args));
    });
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    let buffer = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    while (offset < buffer.length && this.pending.length > 0) {
      const parsed = parseReply(buffer, offset, this.pending[0]!.buffers);
      if (parsed === INCOMPLETE) break;
      offset = parsed.next;
      const { resolve, reject } = this.pending.shift()!;
      if (parsed.reply instanceof Error) reject(parsed.reply);
      else resolve(parsed.reply);
    }
    buffer = buffer.subarray(offset);
    this.chunks = buffer.length > 0 ? [buffer] : [];
    this.buffered = buffer.length;
    this.needed = announcedLength(buffer);
  }
}
