// The label-only decision-boundary attack (Li and Zhang, CCS 2021; Choquette-Choo et al., ICML 2021):
// a model tends to keep its training records farther from its decision boundary. For each record the
// target classifies correctly, a HopSkipJump-style search (Chen et al. 2020) finds how far (L2) the
// record lies from the nearest point the target labels otherwise, reading only predicted labels and
// within a per-record query budget: start at another audited record the target labels otherwise (its
// label is already known, so this costs nothing), binary search along the line to the boundary, then
// repeat: estimate the boundary's normal from the labels of seeded random perturbations, step along
// it with a geometrically shrinking size until the label is still wrong, binary search back to the
// boundary. Score = the smallest distance found (members farther); a misclassified record scores 0.
// Every figure is built from IEEE adds, multiplies, divides and square roots, so engines agree bit for bit.
import { Pcg32 } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import { DEFAULT_TOP_PERCENTILE, topPercentileOf } from "./metric.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy } from "./types.js";

export const DEFAULT_MAX_QUERIES = 500;
/** Perturbations of the first gradient estimate; later ones use B0 * sqrt(iteration) (HopSkipJump). */
const GRADIENT_QUERIES = 20;

/** The target as a label-only oracle on the audited records (auditModel() builds it from the model). */
export interface BoundaryQueries {
  /** The target's predicted label on each of `rows` records. */
  readonly predictLabels: (features: Float32Array, rows: number) => Promise<Int32Array>;
  /** The audited records' features, row-major, `width` values each. */
  readonly members: Float32Array;
  readonly nonMembers: Float32Array;
  readonly width: number;
  /** Label queries allowed per record. */
  readonly maxQueries: number;
  /** Records per call to the target. */
  readonly batchSize: number;
}

/** The predicted label of each row (first class on ties), as a label-only target answers. */
export function predictedLabels(p: Posteriors): Int32Array {
  return Int32Array.from({ length: p.rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < p.classes; c++) if (p.values[r * p.classes + c]! > p.values[r * p.classes + best]!) best = c;
    return best;
  });
}

/** One record's search: yields points to label (rows of `width`), receives their labels, returns its distance. */
type Search = Generator<Float32Array, number, Int32Array>;

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) * (a[j]! - b[j]!);
  return Math.sqrt(s);
}

/**
 * HopSkipJump's search (untargeted, L2) for record `x` of label `y` from `start`, a point the target
 * labels otherwise, clipped to [lo, hi], asking at most `budget` labels. `used[0]` counts them.
 */
export function* boundarySearch(x: Float32Array, y: number, start: Float32Array, lo: number, hi: number, budget: number, rng: Pcg32, used: Int32Array): Search {
  const d = x.length;
  // HopSkipJump's binary-search tolerance for L2, as a fraction of the line.
  const theta = 1 / (d * Math.sqrt(d));
  const clip = (v: number) => (v < lo ? lo : v > hi ? hi : v);
  const left = () => budget - used[0]!;
  function* ask(points: Float32Array): Generator<Float32Array, Int32Array, Int32Array> {
    used[0] = used[0]! + points.length / d;
    return yield points;
  }
  /** Binary search on the segment x -> adversarial point `far`: the adversarial end, closest to x. */
  function* toBoundary(far: Float32Array): Generator<Float32Array, Float32Array, Int32Array> {
    let inside = 0;
    let outside = 1;
    let best = far;
    while (outside - inside > theta && left() > 0) {
      const mid = (inside + outside) / 2;
      const point = Float32Array.from(x, (v, j) => v + mid * (far[j]! - v));
      const [label] = yield* ask(point);
      if (label !== y) (outside = mid), (best = point);
      else inside = mid;
    }
    return best;
  }
  let boundary = yield* toBoundary(start);
  let best = distance(boundary, x);
  for (let t = 1; left() > 1; t++) {
    const dist = distance(boundary, x);
    // Gradient direction at the boundary point from the labels of random perturbations around it.
    const count = Math.min(Math.floor(GRADIENT_QUERIES * Math.sqrt(t)), left() - 1);
    if (count < 2) break;
    const delta = dist / d;
    const directions = rng.fillNormal(count * d);
    for (let b = 0; b < count; b++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += directions[b * d + j]! * directions[b * d + j]!;
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < d; j++) directions[b * d + j] = directions[b * d + j]! / norm;
    }
    const perturbed = Float32Array.from({ length: count * d }, (_, k) => clip(boundary[k % d]! + delta * directions[k]!));
    const labels = yield* ask(perturbed);
    const sign = Float64Array.from(labels, (label) => (label !== y ? 1 : -1));
    const mean = sign.reduce((s, v) => s + v, 0) / count;
    // Baseline subtraction, unless every perturbation fell on one side.
    const baseline = Math.abs(mean) === 1 ? 0 : mean;
    const gradient = new Float64Array(d);
    for (let b = 0; b < count; b++) for (let j = 0; j < d; j++) gradient[j] = gradient[j]! + (sign[b]! - baseline) * directions[b * d + j]!;
    let gradientNorm = 0;
    for (let j = 0; j < d; j++) gradientNorm += gradient[j]! * gradient[j]!;
    gradientNorm = Math.sqrt(gradientNorm);
    if (gradientNorm === 0) break;
    // Geometric step along the estimate: halve until the point is still labelled otherwise.
    let step = dist / Math.sqrt(t);
    let moved: Float32Array | undefined;
    while (left() > 0 && step > 0) {
      const point = Float32Array.from(boundary, (v, j) => clip(v + (step * gradient[j]!) / gradientNorm));
      const [label] = yield* ask(point);
      if (label !== y) {
        moved = point;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
    boundary = yield* toBoundary(moved);
    best = Math.min(best, distance(boundary, x));
  }
  return best;
}

/**
 * Runs every record's search in lockstep, each round's points asked in batches of `batchSize`
 * (records keep their own order, so the answers do not depend on the batching).
 */
async function runSearches(searches: Search[], width: number, ask: (features: Float32Array, rows: number) => Promise<Int32Array>, batchSize: number): Promise<Float64Array> {
  const result = new Float64Array(searches.length);
  let pending = searches.map((s) => s.next(new Int32Array(0)));
  for (;;) {
    const active = pending.flatMap((step, i) => (step.done ? [] : [i]));
    pending.forEach((step, i) => step.done && (result[i] = step.value));
    if (active.length === 0) return result;
    const requests = active.map((i) => pending[i]!.value as Float32Array);
    const rows = requests.reduce((n, r) => n + r.length / width, 0);
    const all = new Float32Array(rows * width);
    let at = 0;
    for (const r of requests) all.set(r, at), (at += r.length);
    const labels = new Int32Array(rows);
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const answer = await ask(all.subarray(start * width, (start + n) * width), n);
      if (answer.length !== n) throw new Error(`label-only-boundary: the target answered ${answer.length} labels for ${n} records`);
      labels.set(answer, start);
    }
    const next = pending.slice();
    let row = 0;
    active.forEach((i, k) => {
      const n = requests[k]!.length / width;
      next[i] = searches[i]!.next(labels.slice(row, row + n));
      row += n;
    });
    pending = next;
  }
}

export interface BoundaryDistances {
  /** Per record (members, then non-members): the L2 distance to the boundary found, 0 when misclassified. */
  readonly distances: Float64Array;
  /** Label queries each record used. */
  readonly queries: Int32Array;
}

/**
 * Distances of the audited records to the target's decision boundary. `known` are the target's
 * labels on the records (already answered), `labels` their true labels.
 */
export async function boundaryDistances(queries: BoundaryQueries, known: Int32Array, labels: Int32Array, seed: number): Promise<BoundaryDistances> {
  const { width, maxQueries } = queries;
  if (!(Number.isInteger(maxQueries) && maxQueries >= 1)) throw new RangeError(`label-only-boundary: maxQueries must be a positive integer, got ${maxQueries}`);
  const features = new Float32Array(queries.members.length + queries.nonMembers.length);
  features.set(queries.members);
  features.set(queries.nonMembers, queries.members.length);
  const rows = labels.length;
  if (features.length !== rows * width || known.length !== rows) throw new Error(`label-only-boundary: ${features.length / width} records' features, ${known.length} known labels, ${rows} true labels`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of features) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const used = Array.from({ length: rows }, () => new Int32Array(1));
  const picks = new Pcg32(seed, 17).fillUint32(rows);
  // Per true label, the records the target labels otherwise: the searches' possible starts.
  const startsFor = new Map<number, number[]>();
  const starts = (y: number) => {
    if (!startsFor.has(y)) startsFor.set(y, Array.from({ length: rows }, (_, o) => o).filter((o) => known[o] !== y));
    return startsFor.get(y)!;
  };
  const searches = Array.from({ length: rows }, (_, r): Search => {
    const record = features.subarray(r * width, (r + 1) * width);
    // Already on the wrong side: no search, distance 0.
    if (known[r] !== labels[r]) return (function* (): Search { return 0; })();
    // The start: a seeded record among those the target labels otherwise (none: the box's diagonal).
    const others = starts(labels[r]!);
    if (others.length === 0) return (function* (): Search { return Math.sqrt(width) * (hi - lo); })();
    const o = others[picks[r]! % others.length]!;
    return boundarySearch(record, labels[r]!, features.subarray(o * width, (o + 1) * width), lo, hi, maxQueries, new Pcg32(seed, 1000 + r), used[r]!);
  });
  const distances = await runSearches(searches, width, queries.predictLabels, queries.batchSize);
  return { distances, queries: Int32Array.from(used, (u) => u[0]!) };
}

export function labelOnlyBoundaryAttack(t = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  const name = "label-only-boundary";
  return {
    name,
    title: "Label-only decision boundary (Li and Zhang; HopSkipJump search)",
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const queries = context.boundary;
      if (!queries) throw new Error(`attack ${name}: needs the target as a model to query (context.boundary)`);
      if (!target.membersLabels || !target.nonMembersLabels) throw new Error(`attack ${name}: needs the labels of members and non-members`);
      const m = target.members.rows;
      const labels = new Int32Array(m + target.nonMembers.rows);
      labels.set(target.membersLabels);
      labels.set(target.nonMembersLabels, m);
      const known = new Int32Array(labels.length);
      known.set(predictedLabels(target.members));
      known.set(predictedLabels(target.nonMembers), m);
      const found = await boundaryDistances(queries, known, labels, context.seed);
      const members = found.distances.slice(0, m);
      const nonMembers = found.distances.slice(m);
      const total = found.queries.reduce((s, v) => s + v, 0);
      const most = found.queries.reduce((s, v) => Math.max(s, v), 0);
      const threshold = topPercentileOf(nonMembers, t);
      return {
        members,
        nonMembers,
        threshold,
        thresholdRule: `top ${t}% of the known non-members' L2 distances to the boundary (label queries: ${total} in all, at most ${most} per record of the budget ${queries.maxQueries})`,
      };
    },
  };
}
