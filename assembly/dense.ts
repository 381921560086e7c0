// Fused dense-network training: whole-layer forward and backward passes, softmax cross-entropy,
// dropout from PCG32, glorot-uniform init and Adam over all weights. Matrices are row-major f32;
// addresses are byte pointers, dimensions and strides are counted in elements.
//
// Every output element is a sum over k taken strictly in order k = 0, 1, ... in f32 (SIMD lanes
// hold different output elements, never partial sums of one), so the blocking below changes speed
// only, never bits, and src/models/dense/reference.ts reproduces it with Math.fround.
import { pcg32FillFloat64, pcg32FillNormal, pcg32FillUint32 } from "./random";

/** Activation codes shared with src/models/dense/network.ts. */
const ACT_LINEAR = 0;
const ACT_TANH = 1;
const ACT_RELU = 2;
const ACT_SOFTMAX = 3;

// C[i][j] = (accumulate ? C[i][j] : 0) + sum_k A(i, k) * B[k][j], where A(i, k) lives at
// a + (i*sam + k*sak)*4 (so A or its transpose) and B is row-major with leading dimension ldb.
// Register blocks: 4 rows x 8 columns (8 accumulators, two B vectors, one splat), with 1-row,
// 4-column and scalar edges.
export function denseGemm(
  a: usize, sam: i32, sak: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, accumulate: i32,
): void {
  const sa = <usize>sam << 2;
  const sk = <usize>sak << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i + 4 <= m; i += 4) block4x8(a + <usize>i * sa, sa, sk, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, k, accumulate);
    for (; i < m; i++) block1x8(a + <usize>i * sa, sk, bj, sb, c + <usize>i * sc + (<usize>j << 2), k, accumulate);
  }
  for (; j + 4 <= n; j += 4) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < m; i++) block1x4(a + <usize>i * sa, sk, bj, sb, c + <usize>i * sc + (<usize>j << 2), k, accumulate);
  }
  for (; j < n; j++) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      let pa = a + <usize>i * sa;
      let pb = bj;
      let s: f32 = 0;
      for (let kk = 0; kk < k; kk++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += sk;
        pb += sb;
      }
      const pc = c + <usize>i * sc + (<usize>j << 2);
      store<f32>(pc, accumulate ? load<f32>(pc) + s : s);
    }
  }
}

@inline
function block4x8(pa: usize, sa: usize, sk: usize, pb: usize, sb: usize, pc: usize, sc: usize, k: i32, accumulate: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const sa2 = sa << 1;
  const sa3 = sa2 + sa;
  for (let kk = 0; kk < k; kk++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = f32x4.splat(load<f32>(pa));
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = f32x4.splat(load<f32>(pa + sa));
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = f32x4.splat(load<f32>(pa + sa2));
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = f32x4.splat(load<f32>(pa + sa3));
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    pa += sk;
    pb += sb;
  }
  storeRow8(pc, c00, c01, accumulate);
  storeRow8(pc + sc, c10, c11, accumulate);
  storeRow8(pc + (sc << 1), c20, c21, accumulate);
  storeRow8(pc + (sc << 1) + sc, c30, c31, accumulate);
}

@inline
function storeRow8(pc: usize, lo: v128, hi: v128, accumulate: i32): void {
  if (accumulate) {
    lo = f32x4.add(v128.load(pc), lo);
    hi = f32x4.add(v128.load(pc, 16), hi);
  }
  v128.store(pc, lo);
  v128.store(pc, hi, 16);
}

@inline
function block1x8(pa: usize, sk: usize, pb: usize, sb: usize, pc: usize, k: i32, accumulate: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  for (let kk = 0; kk < k; kk++) {
    const av = f32x4.splat(load<f32>(pa));
    c0 = f32x4.add(c0, f32x4.mul(av, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(av, v128.load(pb, 16)));
    pa += sk;
    pb += sb;
  }
  storeRow8(pc, c0, c1, accumulate);
}

@inline
function block1x4(pa: usize, sk: usize, pb: usize, sb: usize, pc: usize, k: i32, accumulate: i32): void {
  let c0 = f32x4.splat(0);
  for (let kk = 0; kk < k; kk++) {
    c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(load<f32>(pa)), v128.load(pb)));
    pa += sk;
    pb += sb;
  }
  if (accumulate) c0 = f32x4.add(v128.load(pc), c0);
  v128.store(pc, c0);
}

// tanh as a rational function of x (odd degree-13 numerator over even degree-6 denominator, on x
// clamped to [-7.9988, 7.9988], and x itself below |x| < 0.0004): Eigen's generic_fast_tanh_float,
// within a few ulp of tanh. Basic IEEE operations only, so the same bits on every engine and CPU,
// and four lanes at a time; src/models/dense/reference.ts evaluates the same steps in Math.fround.
const TANH_CLAMP: f32 = 7.99881172180175781;
const TANH_TINY: f32 = 0.0004;
const TANH_A1: f32 = 4.89352455891786e-3;
const TANH_A3: f32 = 6.37261928875436e-4;
const TANH_A5: f32 = 1.48572235717979e-5;
const TANH_A7: f32 = 5.12229709037114e-8;
const TANH_A9: f32 = -8.60467152213735e-11;
const TANH_A11: f32 = 2.00018790482477e-13;
const TANH_A13: f32 = -2.76076847742355e-16;
const TANH_B0: f32 = 4.89352518554385e-3;
const TANH_B2: f32 = 2.268434632439e-3;
const TANH_B4: f32 = 1.18534705686654e-4;
const TANH_B6: f32 = 1.19825839466702e-6;

@inline
function tanhScalar(a: f32): f32 {
  if (Mathf.abs(a) < TANH_TINY) return a;
  const x = Mathf.max(Mathf.min(a, TANH_CLAMP), -TANH_CLAMP);
  const x2 = x * x;
  let p = x2 * TANH_A13 + TANH_A11;
  p = x2 * p + TANH_A9;
  p = x2 * p + TANH_A7;
  p = x2 * p + TANH_A5;
  p = x2 * p + TANH_A3;
  p = x2 * p + TANH_A1;
  p = x * p;
  let q = x2 * TANH_B6 + TANH_B4;
  q = x2 * q + TANH_B2;
  q = x2 * q + TANH_B0;
  return p / q;
}

@inline
function tanhVector(a: v128): v128 {
  const x = f32x4.max(f32x4.min(a, f32x4.splat(TANH_CLAMP)), f32x4.splat(-TANH_CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(TANH_A13)), f32x4.splat(TANH_A11));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(TANH_A9));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(TANH_A7));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(TANH_A5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(TANH_A3));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(TANH_A1));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(TANH_B6)), f32x4.splat(TANH_B4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(TANH_B2));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(TANH_B0));
  const tiny = f32x4.lt(f32x4.abs(a), f32x4.splat(TANH_TINY));
  return v128.bitselect(a, f32x4.div(p, q), tiny);
}

/** tanh of n values in place (the kernel's tanh, exported so tests can hold it to Math.tanh). */
export function denseTanh(x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), tanhVector(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), tanhScalar(load<f32>(x + (<usize>i << 2))));
}

/** z[r][j] = act(z[r][j] + bias[j]) in place; softmax acts on whole rows. */
export function denseBiasActivation(z: usize, bias: usize, rows: i32, cols: i32, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = z + (<usize>(r * cols) << 2);
    let j = 0;
    if (act == ACT_TANH) {
      for (; j + 4 <= cols; j += 4) {
        const p = row + (<usize>j << 2);
        v128.store(p, tanhVector(f32x4.add(v128.load(p), v128.load(bias + (<usize>j << 2)))));
      }
    }
    for (; j < cols; j++) {
      const p = row + (<usize>j << 2);
      let x = load<f32>(p) + load<f32>(bias + (<usize>j << 2));
      if (act == ACT_TANH) x = tanhScalar(x);
      else if (act == ACT_RELU) x = x > 0 ? x : 0;
      store<f32>(p, x);
    }
    if (act == ACT_SOFTMAX) softmaxRow(row, cols);
  }
}

@inline
function softmaxRow(row: usize, cols: i32): void {
  let max = load<f32>(row);
  for (let j = 1; j < cols; j++) max = Mathf.max(max, load<f32>(row + (<usize>j << 2)));
  let sum: f32 = 0;
  for (let j = 0; j < cols; j++) {
    const p = row + (<usize>j << 2);
    const e = <f32>Math.exp(<f64>(load<f32>(p) - max));
    store<f32>(p, e);
    sum += e;
  }
  const inv: f32 = 1 / sum;
  for (let j = 0; j < cols; j++) {
    const p = row + (<usize>j << 2);
    store<f32>(p, load<f32>(p) * inv);
  }
}

/** dst (cols x rows) = transpose of src (rows x cols). */
export function denseTranspose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(dst + (<usize>(j * rows + r) << 2), load<f32>(src + (<usize>(r * cols + j) << 2)));
    }
  }
}

/** The batch: rows indices[0..count) of features (cols wide) and their labels, copied contiguously. */
export function denseGather(
  features: usize, labels: usize, cols: i32, indices: usize, count: i32, batchFeatures: usize, batchLabels: usize,
): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const index = <usize>load<i32>(indices + (<usize>r << 2));
    memory.copy(batchFeatures + <usize>r * rowBytes, features + index * rowBytes, rowBytes);
    store<i32>(batchLabels + (<usize>r << 2), load<i32>(labels + (index << 2)));
  }
}

/**
 * Inverted dropout: draws n uint32 from the generator into mask, keeps a unit when its draw is
 * >= threshold (threshold = rate * 2^32), and writes out = h * mask with mask = keep ? scale : 0.
 */
export function denseDropout(gen: usize, h: usize, out: usize, mask: usize, n: i32, threshold: u32, scale: f32): void {
  pcg32FillUint32(gen, mask, n);
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const keep: f32 = load<u32>(mask + at) >= threshold ? scale : 0;
    store<f32>(mask + at, keep);
    store<f32>(out + at, load<f32>(h + at) * keep);
  }
}

/**
 * Mean softmax cross-entropy gradient with respect to the logits: dz = (p - t) / rows, with target
 * t = (1 - smoothing) onehot(label) + smoothing / classes (smoothing 0: exactly onehot). Returns the
 * summed loss -ln p[label] (p clamped at 1e-30) and stores the number of rows whose argmax (lowest
 * index on ties) equals the label at stats.
 */
export function denseSoftmaxCrossEntropy(probs: usize, labels: usize, dz: usize, rows: i32, classes: i32, stats: usize, smoothing: f32): f64 {
  const inv: f32 = <f32>1 / <f32>rows;
  const off: f32 = smoothing / <f32>classes;
  const on: f32 = <f32>1 - smoothing + off;
  let loss: f64 = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const row = probs + (<usize>(r * classes) << 2);
    const drow = dz + (<usize>(r * classes) << 2);
    const label = load<i32>(labels + (<usize>r << 2));
    let best = 0;
    let bestP = load<f32>(row);
    for (let j = 0; j < classes; j++) {
      const p = load<f32>(row + (<usize>j << 2));
      if (p > bestP) {
        bestP = p;
        best = j;
      }
      store<f32>(drow + (<usize>j << 2), (p - (j == label ? on : off)) * inv);
    }
    if (best == label) correct++;
    loss -= Math.log(<f64>Mathf.max(load<f32>(row + (<usize>label << 2)), 1e-30));
  }
  store<i32>(stats, correct);
  return loss;
}

/** out[j] = sum over rows of dz[r][j], in row order. */
export function denseColumnSums(dz: usize, rows: i32, cols: i32, out: usize): void {
  memory.fill(out, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const row = dz + (<usize>(r * cols) << 2);
    for (let j = 0; j < cols; j++) {
      const p = out + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(row + (<usize>j << 2)));
    }
  }
}

/** g += alpha * w (the L2 penalty's gradient, alpha = 2 * l2). */
export function denseAddScaled(g: usize, w: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(g + at, f32x4.add(v128.load(g + at), f32x4.mul(va, v128.load(w + at))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(g + at, load<f32>(g + at) + alpha * load<f32>(w + at));
  }
}

/** sum of w[i]^2 in f64, for the reported loss's L2 term. */
export function denseSumSquares(w: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = <f64>load<f32>(w + (<usize>i << 2));
    s += x * x;
  }
  return s;
}

/**
 * Back through dropout and a hidden activation, in place: d *= mask (when mask != 0), then
 * tanh: d *= 1 - y^2; relu: d = y > 0 ? d : 0, where y is the activation's output before dropout.
 */
export function denseActivationBackward(d: usize, y: usize, mask: usize, n: i32, act: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    let g = load<f32>(d + at);
    if (mask) g *= load<f32>(mask + at);
    const v = load<f32>(y + at);
    if (act == ACT_TANH) g *= 1 - v * v;
    else if (act == ACT_RELU) g = v > 0 ? g : 0;
    store<f32>(d + at, g);
  }
}

/**
 * One Adam step over n weights (Kingma & Ba; tfjs's form): m = b1 m + (1 - b1) g,
 * v = b2 v + (1 - b2) g^2, w -= lr (m / c1) / (sqrt(v / c2) + eps), with c1 = 1 - b1^t and
 * c2 = 1 - b2^t computed by the caller.
 */
export function denseAdam(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32,
): void {
  const one1 = <f32>1 - beta1;
  const one2 = <f32>1 - beta2;
  const vb1 = f32x4.splat(beta1), vo1 = f32x4.splat(one1);
  const vb2 = f32x4.splat(beta2), vo2 = f32x4.splat(one2);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const gi = v128.load(g + at);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + at)), f32x4.mul(vo1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + at)), f32x4.mul(vo2, f32x4.mul(gi, gi)));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mi, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps));
    v128.store(w + at, f32x4.sub(v128.load(w + at), step));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const gi = load<f32>(g + at);
    const mi = beta1 * load<f32>(m + at) + one1 * gi;
    const vi = beta2 * load<f32>(v + at) + one2 * (gi * gi);
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    store<f32>(w + at, load<f32>(w + at) - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + eps));
  }
}

/** Glorot (Xavier) uniform: w[i] = (2u - 1) * limit, u uniform in [0, 1) from the generator, in order. */
export function denseGlorotUniform(gen: usize, w: usize, n: i32, limit: f64, slot: usize): void {
  for (let i = 0; i < n; i++) {
    pcg32FillFloat64(gen, slot, 1);
    store<f32>(w + (<usize>i << 2), <f32>((2 * load<f64>(slot) - 1) * limit));
  }
}

// Sparse A (binary features, as in Purchase-100): the batch's non-zeros are listed once
// (denseSparseList), and once more by column (denseSparseTranspose, for the backward pass's A^T),
// and denseSparseGemm multiplies a listed A by a dense B. A list block at `lists` holds: i32 rows,
// i32 binary (every value 0 or 1), i32 ends[rows + 1] with ends[0] = -1, then at
// sparseEntries(lists, rows) row i's non-zeros as (u32 column, f32 value) pairs at
// [ends[i] + 1, ends[i + 1]), each row's followed by one spare pair (and the block by two), so that
// listing can write every value (a zero is overwritten by the next value, or lands in a spare pair)
// and never branch on it: with random binary features a branch per value mispredicts a third of
// the time.

/** Bytes of a list block for a rows x cols A. */
export function denseSparseListBytes(rows: i32, cols: i32): usize {
  return sparseEntriesOffset(rows) + ((<usize>rows * <usize>cols + <usize>rows + 2) << 3);
}

@inline
function sparseEntriesOffset(rows: i32): usize {
  return ((<usize>(rows + 2) << 2) + 4 + 7) & ~7;
}

// i8x16.swizzle patterns that move the kept pairs of two (column, value) pairs to the front, by
// the two pairs' non-zero mask: 0, 1 and 3 keep the order, 2 (only the second) moves it down.
const KEEP_PAIRS = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
]);

/**
 * Lists the non-zeros of A (rows x cols, row-major, leading dimension lda) row by row, columns
 * ascending: four columns at a time, each two pairs compacted by a swizzle and stored whole (what
 * follows the kept pairs is overwritten next, or lands in the spare pair or the block's last two).
 */
export function denseSparseList(a: usize, rows: i32, cols: i32, lda: i32, lists: usize): void {
  const ends = lists + 8;
  const entries = lists + sparseEntriesOffset(rows);
  store<i32>(ends, -1);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let count = 0;
  let binary = i32x4.splat(-1);
  for (let i = 0; i < rows; i++) {
    const row = a + (<usize>i * <usize>lda << 2);
    let columns = i32x4(0, 1, 2, 3);
    let kk = 0;
    for (; kk + 4 <= cols; kk += 4) {
      const x = v128.load(row + (<usize>kk << 2));
      binary = v128.and(binary, v128.or(f32x4.eq(x, zero), f32x4.eq(x, one)));
      const mask = i32x4.bitmask(f32x4.ne(x, zero));
      const low = mask & 3;
      const high = mask >> 2;
      v128.store(entries + (<usize>count << 3), i8x16.swizzle(i32x4.shuffle(columns, x, 0, 4, 1, 5), v128.load(KEEP_PAIRS + (<usize>low << 4))));
      count += (low & 1) + (low >> 1);
      v128.store(entries + (<usize>count << 3), i8x16.swizzle(i32x4.shuffle(columns, x, 2, 6, 3, 7), v128.load(KEEP_PAIRS + (<usize>high << 4))));
      count += (high & 1) + (high >> 1);
      columns = i32x4.add(columns, i32x4.splat(4));
    }
    for (; kk < cols; kk++) {
      const x = load<f32>(row + (<usize>kk << 2));
      const e = entries + (<usize>count << 3);
      store<u32>(e, kk);
      store<f32>(e, x, 4);
      count += i32(x != 0);
      if (x != 0 && x != 1) binary = i32x4.splat(0);
    }
    store<i32>(ends + (<usize>(i + 1) << 2), count);
    count++;
  }
  store<i32>(lists, rows);
  store<i32>(lists, i32(i32x4.all_true(binary)), 4);
}

/**
 * The list block of A^T (cols lists) from A's (a counting sort over the non-zeros: count each
 * column's, then append row by row, so every column's rows ascend).
 */
export function denseSparseTranspose(lists: usize, cols: i32, out: usize): void {
  const rows = load<i32>(lists);
  const from = lists + 8;
  const entries = lists + sparseEntriesOffset(rows);
  const ends = out + 8;
  const outEntries = out + sparseEntriesOffset(cols);
  memory.fill(ends, 0, <usize>(cols + 1) << 2);
  for (let i = 0; i < rows; i++) {
    const to = sparseListEnd(from, entries, i);
    for (let e = sparseListStart(from, entries, i); e < to; e += 8) {
      const p = ends + (<usize>(load<u32>(e) + 1) << 2);
      store<i32>(p, load<i32>(p) + 1);
    }
  }
  // ends[kk + 1] holds column kk's count; it becomes the column's write position, which the fill
  // moves along the list to the list's end.
  let start = 0;
  for (let kk = 0; kk < cols; kk++) {
    const p = ends + (<usize>(kk + 1) << 2);
    const count = load<i32>(p);
    store<i32>(p, start);
    start += count + 1;
  }
  store<i32>(ends, -1);
  for (let i = 0; i < rows; i++) {
    const to = sparseListEnd(from, entries, i);
    for (let e = sparseListStart(from, entries, i); e < to; e += 8) {
      const p = ends + (<usize>(load<u32>(e) + 1) << 2);
      const at = load<i32>(p);
      const q = outEntries + (<usize>at << 3);
      store<u32>(q, i);
      store<f32>(q, load<f32>(e, 4), 4);
      store<i32>(p, at + 1);
    }
  }
  store<i32>(out, cols);
  store<i32>(out, load<i32>(lists, 4), 4);
}

/**
 * denseGemm for a listed A (rows x k): C[i][j] = sum over A's non-zeros A(i, kk), kk ascending, of
 * A(i, kk) * B[kk][j]. Adding A(i, k) * B[k][j] = 0 never changes an f32 sum that starts at +0, and
 * 1 * x = x exactly, so this gives denseGemm's bits (finite weights) with work in proportion to the
 * non-zeros, and binary A skips the multiplies. Never accumulates.
 */
export function denseSparseGemm(lists: usize, b: usize, ldb: i32, c: usize, ldc: i32, n: i32): void {
  const rows = load<i32>(lists);
  const ends = lists + 8;
  const entries = lists + sparseEntriesOffset(rows);
  if (load<i32>(lists, 4)) sparseProduct(ends, entries, b, <usize>ldb << 2, c, <usize>ldc << 2, rows, n, true);
  else sparseProduct(ends, entries, b, <usize>ldb << 2, c, <usize>ldc << 2, rows, n, false);
}

// C = the listed A times B, in column panels of 16 then 4 then 1: a 16-column panel of B (600
// rows: 38 KB) stays in L1 while every row of C takes it. ones: every listed value is 1, so the
// terms are B's values themselves (inlined with a constant, so the multiply compiles away).
@inline
function sparseProduct(ends: usize, entries: usize, b: usize, sb: usize, c: usize, sc: usize, m: i32, n: i32, ones: bool): void {
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      const to = sparseListEnd(ends, entries, i);
      for (let e = sparseListStart(ends, entries, i); e < to; e += 8) {
        const av = ones ? f32x4.splat(1) : f32x4.splat(load<f32>(e, 4));
        const pb = bj + <usize>load<u32>(e) * sb;
        c0 = f32x4.add(c0, sparseTerm(av, v128.load(pb), ones));
        c1 = f32x4.add(c1, sparseTerm(av, v128.load(pb, 16), ones));
        c2 = f32x4.add(c2, sparseTerm(av, v128.load(pb, 32), ones));
        c3 = f32x4.add(c3, sparseTerm(av, v128.load(pb, 48), ones));
      }
      const q = c + <usize>i * sc + (<usize>j << 2);
      v128.store(q, c0);
      v128.store(q, c1, 16);
      v128.store(q, c2, 32);
      v128.store(q, c3, 48);
    }
  }
  for (; j + 4 <= n; j += 4) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      let c0 = f32x4.splat(0);
      const to = sparseListEnd(ends, entries, i);
      for (let e = sparseListStart(ends, entries, i); e < to; e += 8) {
        const av = ones ? f32x4.splat(1) : f32x4.splat(load<f32>(e, 4));
        c0 = f32x4.add(c0, sparseTerm(av, v128.load(bj + <usize>load<u32>(e) * sb), ones));
      }
      v128.store(c + <usize>i * sc + (<usize>j << 2), c0);
    }
  }
  for (; j < n; j++) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      const to = sparseListEnd(ends, entries, i);
      for (let e = sparseListStart(ends, entries, i); e < to; e += 8) {
        const x = load<f32>(bj + <usize>load<u32>(e) * sb);
        s += ones ? x : load<f32>(e, 4) * x;
      }
      store<f32>(c + <usize>i * sc + (<usize>j << 2), s);
    }
  }
}

@inline
function sparseTerm(av: v128, bv: v128, ones: bool): v128 {
  return ones ? bv : f32x4.mul(av, bv);
}

@inline
function sparseListStart(ends: usize, entries: usize, i: i32): usize {
  return entries + (<usize>(load<i32>(ends + (<usize>i << 2)) + 1) << 3);
}

@inline
function sparseListEnd(ends: usize, entries: usize, i: i32): usize {
  return entries + (<usize>load<i32>(ends + (<usize>(i + 1) << 2)) << 3);
}

/** The number of non-zero values among n. */
export function denseCountNonzero(x: usize, n: i32): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) if (load<f32>(x + (<usize>i << 2)) != 0) count++;
  return count;
}

// DP-SGD (Abadi et al. 2016) with per-example clipping by the dense layers' outer-product
// structure: example r's gradient in layer l is a_r (x) d_r (kernel) and d_r (bias), so its squared
// norm is (|a_r|^2 + 1) |d_r|^2, summed over layers, without materialising any per-example
// gradient. Scaling every layer's d_r by the example's clip factor then makes the usual batched
// gradient the sum of the clipped per-example gradients.

/** out[r] (+)= (sum_j a[r][j]^2 + 1) * sum_j d[r][j]^2, in f64 (rows of a: aCols wide; of d: dCols). */
export function densePerExampleNormSquares(a: usize, aCols: i32, d: usize, dCols: i32, rows: i32, out: usize, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    let sa: f64 = 0;
    const ar = a + (<usize>(r * aCols) << 2);
    for (let j = 0; j < aCols; j++) {
      const x = <f64>load<f32>(ar + (<usize>j << 2));
      sa += x * x;
    }
    let sd: f64 = 0;
    const dr = d + (<usize>(r * dCols) << 2);
    for (let j = 0; j < dCols; j++) {
      const x = <f64>load<f32>(dr + (<usize>j << 2));
      sd += x * x;
    }
    const p = out + (<usize>r << 3);
    const v = (sa + 1) * sd;
    store<f64>(p, accumulate ? load<f64>(p) + v : v);
  }
}

/**
 * Clip factors: factor[r] = min(1, clip / (gradScale * sqrt(normSquares[r]))) * outScale, as f32.
 * gradScale turns a row of the batch-mean gradient into the example's own gradient (the batch
 * size); outScale = batch size / expected batch size. Clip infinity and outScale 1 give exactly 1.
 */
export function denseClipFactors(normSquares: usize, rows: i32, clip: f64, gradScale: f64, outScale: f64, factors: usize): void {
  for (let r = 0; r < rows; r++) {
    const norm = gradScale * Math.sqrt(load<f64>(normSquares + (<usize>r << 3)));
    const keep = norm > clip ? clip / norm : 1.0;
    store<f32>(factors + (<usize>r << 2), <f32>(keep * outScale));
  }
}

/** x[r][j] *= factors[r]. */
export function denseScaleRows(x: usize, rows: i32, cols: i32, factors: usize): void {
  for (let r = 0; r < rows; r++) {
    const s = f32x4.splat(load<f32>(factors + (<usize>r << 2)));
    const row = x + (<usize>(r * cols) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.mul(v128.load(p), s));
    }
    const f = load<f32>(factors + (<usize>r << 2));
    for (; j < cols; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) * f);
    }
  }
}

/** g[i] += <f32>(std * z[i]) with z standard normals from the generator (pcg32FillNormal into scratch, n f64). */
export function denseAddGaussianNoise(gen: usize, g: usize, n: i32, std: f64, scratch: usize): void {
  pcg32FillNormal(gen, scratch, n);
  for (let i = 0; i < n; i++) {
    const p = g + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + <f32>(std * load<f64>(scratch + (<usize>i << 3))));
  }
}

/**
 * Poisson sampling of a batch: row i joins when its uniform double (pcg32FillFloat64 into scratch,
 * n f64, in row order) is below q; the joining rows go to order[0 ..) ascending. Returns the count.
 */
export function densePoissonSample(gen: usize, order: usize, n: i32, q: f64, scratch: usize): i32 {
  pcg32FillFloat64(gen, scratch, n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (load<f64>(scratch + (<usize>i << 3)) < q) {
      store<i32>(order + (<usize>count << 2), i);
      count++;
    }
  }
  return count;
}
