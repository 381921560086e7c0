// The requests every server of the edge check is sent (test/runtimes-edge-serve.test.ts under Node
// and Deno, workerd and Edge Runtime in scripts/test-runtimes.mjs, which also compares the bytes of
// every answer with the Node adapter's), with the status and message each must get back.
import { Pcg32 } from "../../src/kernels/index.js";

/** The limits the servers under test are given (workerd and Edge Runtime through their variables). */
export const EDGE_TEST_LIMITS = { maxBodyBytes: 64 * 1024, maxRows: 1000 } as const;
export const EDGE_TEST_ENV = { MLLEAKS_MAX_BODY_BYTES: String(EDGE_TEST_LIMITS.maxBodyBytes), MLLEAKS_MAX_ROWS: String(EDGE_TEST_LIMITS.maxRows) };

export interface EdgeCase {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly body?: string;
  readonly contentType?: string;
  readonly status: number;
  /** What the error message must say (4xx), or undefined for a 200. */
  readonly error?: RegExp;
  /**
   * The message's fixed part when the rest is the JS engine's own words (JSON.parse's message,
   * which differs between V8 versions and engines): answers are compared up to there.
   */
  readonly engineMessage?: string;
}

/** Seeded softmax posteriors with labels, float32-exact: members peakier when `peak` is larger. */
export function posteriorSide(rng: Pcg32, rows: number, classes: number, peak: number): { posteriors: number[][]; labels: number[] } {
  const u = rng.fillFloat64(rows * (classes + 1));
  const posteriors: number[][] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const at = r * (classes + 1);
    const label = Math.floor(u[at]! * classes);
    const logits = Array.from({ length: classes }, (_, c) => u[at + 1 + c]! * 2 + (c === label ? peak * u[at]! * 4 : 0));
    const max = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    posteriors.push(e.map((x) => Math.fround(x / sum)));
    labels.push(label);
  }
  return { posteriors, labels };
}

/** A posteriors request body of `rows` members and `rows` non-members with labels: every attack runs. */
export function posteriorsRequestBody(rows: number, classes: number, seed = 2024): string {
  const rng = new Pcg32(seed);
  return JSON.stringify({ members: posteriorSide(rng, rows, classes, 3), nonMembers: posteriorSide(rng, rows, classes, 1) });
}

const json = (value: unknown) => JSON.stringify(value);

export function edgeCases(): EdgeCase[] {
  const tiny = {
    members: { posteriors: [[0.9, 0.1], [0.05, 0.95], [0.8, 0.2]], labels: [0, 1, 0] },
    nonMembers: { posteriors: [[0.6, 0.4], [0.45, 0.55], [0.7, 0.3]], labels: [0, 1, 1] },
  };
  return [
    { name: "a small request with labels: every attack", method: "POST", body: json(tiny), status: 200 },
    { name: "200 seeded rows a side, ROC points included", method: "POST", body: json({ ...JSON.parse(posteriorsRequestBody(200, 5)), roc: true }), status: 200 },
    { name: "no labels: the label-free attacks and notes", method: "POST", body: json({ members: { posteriors: tiny.members.posteriors }, nonMembers: { posteriors: tiny.nonMembers.posteriors } }), status: 200 },
    { name: "GET: usage", method: "GET", status: 405 },
    { name: "broken JSON", method: "POST", body: "{not json", status: 400, error: /not valid JSON/, engineMessage: "body is not valid JSON: " },
    { name: "one class", method: "POST", body: json({ members: { posteriors: [[0.5]] }, nonMembers: { posteriors: [[0.5]] } }), status: 422, error: /at least 2 classes/ },
    { name: "NaN sent as null", method: "POST", body: json({ members: { posteriors: [[0.5, null]] }, nonMembers: { posteriors: [[0.5, 0.5]] } }), status: 422, error: /NaN and Infinity become null/ },
    { name: "rows that do not sum to 1", method: "POST", body: json({ members: { posteriors: [[0.5, 0.2]] }, nonMembers: { posteriors: [[0.5, 0.5]] } }), status: 422, error: /sum|add up/i },
    {
      name: "too many rows",
      method: "POST",
      body: json({ members: { posteriors: Array.from({ length: EDGE_TEST_LIMITS.maxRows + 1 }, () => [0.5, 0.5]) }, nonMembers: { posteriors: [[0.5, 0.5]] } }),
      status: 422,
      error: new RegExp(`${EDGE_TEST_LIMITS.maxRows + 1} rows, more than the limit of ${EDGE_TEST_LIMITS.maxRows}`),
    },
    { name: "too large a body", method: "POST", body: "x".repeat(100 * 1024), status: 413, error: new RegExp(`more than the limit of ${EDGE_TEST_LIMITS.maxBodyBytes}`) },
    { name: "wrong content type", method: "POST", body: "{}", contentType: "text/csv", status: 415, error: /Content-Type must be application\/json/ },
  ];
}

export interface EdgeAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Uint8Array;
}

/** Sends one case to `url` and reads the whole answer. */
export async function sendEdgeCase(url: string, c: EdgeCase): Promise<EdgeAnswer> {
  const init: RequestInit = { method: c.method };
  if (c.body !== undefined) init.body = c.body;
  if (c.method === "POST") init.headers = { "content-type": c.contentType ?? "application/json" };
  const response = await fetch(url, init);
  return { status: response.status, contentType: response.headers.get("content-type"), body: new Uint8Array(await response.arrayBuffer()) };
}
