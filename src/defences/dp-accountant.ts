// The privacy accountant of DP-SGD: Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov,
// Talwar and Zhang 2019), computed as TensorFlow Privacy's compute_rdp does (integer orders by the
// binomial sum, fractional orders by the two-sided series with erfc), composed over the steps and
// turned into epsilon at delta. Two conversions: "improved" (Balle et al. 2020; what Opacus and
// TensorFlow Privacy's dp_accounting use today) and "classic" (eps = rdp - portable.log(delta)/(alpha - 1),
// TensorFlow Privacy before dp_accounting, which its MNIST tutorial's published figures used).
import * as portable from "../util/portable-math.js";

/** Opacus's and the TensorFlow Privacy tutorials' orders: 1.1, 1.2, ..., 10.9, then 12 to 63. */
export const DEFAULT_RDP_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10), ...Array.from({ length: 52 }, (_, i) => 12 + i)];

export type EpsilonConversion = "improved" | "classic";

export interface DpSgdSchedule {
  /** Training records N. */
  readonly records: number;
  /** Expected batch size B: each record joins a batch with probability q = B / N. */
  readonly batchSize: number;
  /** Noise standard deviation over the clip norm. */
  readonly noiseMultiplier: number;
  /** Epochs E; steps = ceil(E * N / B) as TensorFlow Privacy's compute_dp_sgd_privacy counts them. */
  readonly epochs: number;
  readonly delta: number;
}

export interface DpEpsilon {
  readonly epsilon: number;
  /** The RDP order that gave the smallest epsilon. */
  readonly order: number;
  readonly steps: number;
  readonly samplingRate: number;
}

function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === -Infinity) return hi;
  return portable.log1p(portable.exp(lo - hi)) + hi;
}

/** portable.log(portable.exp(a) - portable.exp(b)) for a >= b. */
function logSub(a: number, b: number): number {
  if (b > a) throw new RangeError("dp accountant: log of a negative number");
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  // portable.log(portable.exp(a) - portable.exp(b)) = a + portable.log(1 - portable.exp(b - a))
  return a + portable.log(-portable.expm1(b - a));
}

const LOG_SQRT_PI = 0.5 * portable.log(Math.PI);

/** portable.log(erfc(x)), accurate far into both tails: series of erf for |x| <= 2, a continued fraction beyond. */
export function logErfc(x: number): number {
  if (x < -2) return portable.log(2 - portable.exp(logErfc(-x)));
  if (x <= 2) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return portable.log1p((-2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(x) = portable.exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return -x * x - LOG_SQRT_PI - portable.log(f);
}

/** log binom(n, k) for real n >= 0 and integer k (its absolute value when n is fractional), and its sign. */
function logBinomial(n: number, k: number): { log: number; sign: number } {
  let log = 0;
  let sign = 1;
  for (let i = 0; i < k; i++) {
    const factor = (n - i) / (i + 1);
    if (factor < 0) sign = -sign;
    log += portable.log(Math.abs(factor));
  }
  return { log, sign };
}

function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const coefficient = logBinomial(alpha, i).log + i * portable.log(q) + (alpha - i) * portable.log1p(-q);
    logA = logAdd(logA, coefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * portable.log(1 / q - 1) + 0.5;
  for (let i = 0; ; i++) {
    const { log: logCoef, sign } = logBinomial(alpha, i);
    const j = alpha - i;
    const logT0 = logCoef + i * portable.log(q) + j * portable.log1p(-q);
    const logT1 = logCoef + j * portable.log(q) + i * portable.log1p(-q);
    const logE0 = portable.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = portable.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 10_000) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP at `order` of one step of the Gaussian mechanism (noise multiplier sigma) on a Poisson sample of rate q. */
export function subsampledGaussianRdp(q: number, sigma: number, order: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate: expected a number from 0 to 1, got ${q}`);
  if (!(sigma >= 0)) throw new RangeError(`noise multiplier: expected a number >= 0, got ${sigma}`);
  if (!(order > 1)) throw new RangeError(`RDP order: expected a number > 1, got ${order}`);
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return order / (2 * sigma * sigma);
  if (order === Infinity) return Infinity;
  const logA = Number.isInteger(order) ? logAInteger(q, sigma, order) : logAFractional(q, sigma, order);
  return logA / (order - 1);
}

/** RDP of `steps` compositions, one value per order. */
export function composedRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  return orders.map((order) => subsampledGaussianRdp(q, sigma, order) * steps);
}

/** The smallest epsilon at delta over the orders, and the order that gave it. */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number, conversion: EpsilonConversion = "improved"): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta: expected a number between 0 and 1 (exclusive), got ${delta}`);
  let best = { epsilon: Infinity, order: orders[0]! };
  orders.forEach((a, k) => {
    const r = rdp[k]!;
    let epsilon: number;
    if (conversion === "classic") epsilon = r - portable.log(delta) / (a - 1);
    else if (delta * delta + portable.expm1(-r) >= 0) epsilon = 0;
    else if (a > 1.01) epsilon = r + portable.log1p(-1 / a) - portable.log(delta * a) / (a - 1);
    else epsilon = Infinity;
    if (epsilon < best.epsilon) best = { epsilon, order: a };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

function checkSchedule(s: Omit<DpSgdSchedule, "noiseMultiplier">): void {
  if (!(Number.isSafeInteger(s.records) && s.records >= 1)) throw new RangeError(`records: expected a positive integer, got ${s.records}`);
  if (!(Number.isSafeInteger(s.batchSize) && s.batchSize >= 1 && s.batchSize <= s.records)) throw new RangeError(`batch size: expected an integer from 1 to the ${s.records} records, got ${s.batchSize}`);
  if (!(s.epochs > 0 && Number.isFinite(s.epochs))) throw new RangeError(`epochs: expected a positive number, got ${s.epochs}`);
  if (!(s.delta > 0 && s.delta < 1)) throw new RangeError(`delta: expected a number between 0 and 1 (exclusive), got ${s.delta}`);
}

/** Steps of a schedule as TensorFlow Privacy's compute_dp_sgd_privacy counts them. */
export function dpSgdSteps(s: Pick<DpSgdSchedule, "records" | "batchSize" | "epochs">): number {
  return Math.ceil((s.epochs * s.records) / s.batchSize);
}

/** Epsilon spent at delta by DP-SGD with this schedule. */
export function dpSgdEpsilon(s: DpSgdSchedule, options: { orders?: readonly number[]; conversion?: EpsilonConversion; steps?: number } = {}): DpEpsilon {
  checkSchedule(s);
  if (!(s.noiseMultiplier >= 0 && Number.isFinite(s.noiseMultiplier))) throw new RangeError(`noise multiplier: expected a number >= 0, got ${s.noiseMultiplier}`);
  const orders = options.orders ?? DEFAULT_RDP_ORDERS;
  const q = s.batchSize / s.records;
  const steps = options.steps ?? dpSgdSteps(s);
  const { epsilon, order } = epsilonFromRdp(orders, composedRdp(q, s.noiseMultiplier, steps, orders), s.delta, options.conversion);
  return { epsilon, order, steps, samplingRate: q };
}

/**
 * The smallest noise multiplier (to within `tolerance`) whose epsilon at delta is at most `target`:
 * the upper end doubles until it meets the target, then bisection (as Opacus's get_noise_multiplier).
 */
export function noiseMultiplierFor(target: number, s: Omit<DpSgdSchedule, "noiseMultiplier">, options: { orders?: readonly number[]; conversion?: EpsilonConversion; tolerance?: number } = {}): number {
  checkSchedule(s);
  if (!(target > 0 && Number.isFinite(target))) throw new RangeError(`target epsilon: expected a positive number, got ${target}`);
  const tolerance = options.tolerance ?? 1e-4;
  const epsilonAt = (sigma: number) => dpSgdEpsilon({ ...s, noiseMultiplier: sigma }, options).epsilon;
  let low = 0;
  let high = 1;
  while (epsilonAt(high) > target) {
    low = high;
    high *= 2;
    if (high > 1e6) throw new RangeError(`target epsilon: ${target} is out of reach at delta ${s.delta} (noise multiplier above 1e6)`);
  }
  while (high - low > tolerance) {
    const mid = (low + high) / 2;
    if (epsilonAt(mid) > target) low = mid;
    else high = mid;
  }
  return high;
}
