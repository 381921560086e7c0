// Per-row features of an N x C posterior matrix (row-major f32). Every kernel checks each row as it
// reads it (all values in [0, 1], no NaN or Infinity, sum within `tolerance` of 1) and returns the
// index of the first bad row, or -1 when all rows are good; the TypeScript wrapper then says what is
// wrong with that row. The row is still in L1 when the feature is computed, so the check costs no
// extra pass over memory.

// Song & Mittal's clamp before taking a logarithm (their code's `small_value`).
const LOG_FLOOR: f64 = 1e-30;

/**
 * True when a row has a NaN, an Infinity, a negative value, or does not sum to 1 within tolerance.
 * A NaN or an Infinity anywhere makes the sum fail, so the minimum can use pmin (one instruction,
 * deterministic, but not NaN-propagating).
 */
@inline
function rowInvalid(row: usize, classes: i32, tolerance: f32): bool {
  let sumA = f32x4.splat(0);
  let sumB = f32x4.splat(0);
  let low = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= classes; c += 8) {
    const a = v128.load(row + (<usize>c << 2));
    const b = v128.load(row + (<usize>c << 2), 16);
    sumA = f32x4.add(sumA, a);
    sumB = f32x4.add(sumB, b);
    low = f32x4.pmin(low, f32x4.pmin(a, b));
  }
  return rowFinish(row, classes, c, sumA, sumB, low, tolerance);
}

/** The end of rowInvalid from column c on, given its vector sums and minimum so far. */
@inline
function rowFinish(row: usize, classes: i32, c: i32, sumA: v128, sumB: v128, low: v128, tolerance: f32): bool {
  const s = f32x4.add(sumA, sumB);
  let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  let lowest = min(min(f32x4.extract_lane(low, 0), f32x4.extract_lane(low, 1)), min(f32x4.extract_lane(low, 2), f32x4.extract_lane(low, 3)));
  for (; c < classes; c++) {
    const x = load<f32>(row + (<usize>c << 2));
    sum += x;
    lowest = min(lowest, x);
  }
  // Written so that a NaN sum fails.
  return !(lowest >= 0) || !(abs<f32>(sum - 1) <= tolerance);
}

/** Inserts x into the descending list top[0..k-1], dropping the last entry. */
@inline
function insertDescending(top: usize, k: i32, x: f32): void {
  let j = k - 1;
  while (j > 0) {
    const above = load<f32>(top + (<usize>(j - 1) << 2));
    if (above >= x) break;
    store<f32>(top + (<usize>j << 2), above);
    j--;
  }
  store<f32>(top + (<usize>j << 2), x);
}

@inline
function siftDownMin(heap: usize, size: i32, start: i32): void {
  let i = start;
  const x = load<f32>(heap + (<usize>i << 2));
  while (true) {
    let child = 2 * i + 1;
    if (child >= size) break;
    let cv = load<f32>(heap + (<usize>child << 2));
    if (child + 1 < size) {
      const rv = load<f32>(heap + (<usize>(child + 1) << 2));
      if (rv < cv) {
        child++;
        cv = rv;
      }
    }
    if (cv >= x) break;
    store<f32>(heap + (<usize>i << 2), cv);
    i = child;
  }
  store<f32>(heap + (<usize>i << 2), x);
}

// Up to this k, each of 8 lanes keeps its own sorted top-k in vectors (a compare-exchange network,
// branch-free); above it, insertion into one sorted list, and above INSERTION_MAX_K a min-heap.
const INSERTION_MAX_K: i32 = 12;

// Lane candidates for the network's final merge: 2 streams x 4 levels x 16 bytes.
const laneTops = memory.data(2 * 4 * 16, 16);

/**
 * Top-k (k <= 4, a constant after inlining) of one row, checking the row on the way. Two streams of
 * four lanes each keep their top k in t1 >= t2 >= t3 >= t4; the 8k lane candidates, then the
 * columns past the last full 8, are inserted into the row's output. Returns true for a bad row.
 */
@inline
function topKNetwork(row: usize, classes: i32, k: i32, top: usize, tolerance: f32): bool {
  const floor = f32x4.splat(-1);
  let a1 = floor, a2 = floor, a3 = floor, a4 = floor;
  let b1 = floor, b2 = floor, b3 = floor, b4 = floor;
  let sumA = f32x4.splat(0);
  let sumB = f32x4.splat(0);
  let low = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= classes; c += 8) {
    let a = v128.load(row + (<usize>c << 2));
    let b = v128.load(row + (<usize>c << 2), 16);
    sumA = f32x4.add(sumA, a);
    sumB = f32x4.add(sumB, b);
    low = f32x4.pmin(low, f32x4.pmin(a, b));
    if (k == 1) {
      a1 = f32x4.pmax(a1, a);
      b1 = f32x4.pmax(b1, b);
    } else {
      let t = f32x4.pmax(a1, a); a = f32x4.pmin(a1, a); a1 = t;
      t = f32x4.pmax(b1, b); b = f32x4.pmin(b1, b); b1 = t;
      if (k == 2) {
        a2 = f32x4.pmax(a2, a);
        b2 = f32x4.pmax(b2, b);
      } else {
        t = f32x4.pmax(a2, a); a = f32x4.pmin(a2, a); a2 = t;
        t = f32x4.pmax(b2, b); b = f32x4.pmin(b2, b); b2 = t;
        if (k == 3) {
          a3 = f32x4.pmax(a3, a);
          b3 = f32x4.pmax(b3, b);
        } else {
          t = f32x4.pmax(a3, a); a = f32x4.pmin(a3, a); a3 = t;
          t = f32x4.pmax(b3, b); b = f32x4.pmin(b3, b); b3 = t;
          a4 = f32x4.pmax(a4, a);
          b4 = f32x4.pmax(b4, b);
        }
      }
    }
  }
  if (rowFinish(row, classes, c, sumA, sumB, low, tolerance)) return true;
  for (let j = 0; j < k; j++) store<f32>(top + (<usize>j << 2), -1);
  if (c > 0) {
    v128.store(laneTops, a1, 0);
    v128.store(laneTops, b1, 16);
    v128.store(laneTops, a2, 32);
    v128.store(laneTops, b2, 48);
    v128.store(laneTops, a3, 64);
    v128.store(laneTops, b3, 80);
    v128.store(laneTops, a4, 96);
    v128.store(laneTops, b4, 112);
    let kth: f32 = -1;
    for (let j = 0; j < 8 * k; j++) {
      const x = load<f32>(laneTops + (<usize>j << 2));
      if (x > kth) {
        insertDescending(top, k, x);
        kth = load<f32>(top + (<usize>(k - 1) << 2));
      }
    }
  }
  let kth = load<f32>(top + (<usize>(k - 1) << 2));
  for (; c < classes; c++) {
    const x = load<f32>(row + (<usize>c << 2));
    if (x > kth) {
      insertDescending(top, k, x);
      kth = load<f32>(top + (<usize>(k - 1) << 2));
    }
  }
  return false;
}

/** Top-k of one row by insertion; eight lanes at a time skip everything below the current k-th. */
@inline
function topKInsertion(row: usize, classes: i32, k: i32, top: usize): void {
  for (let j = 0; j < k; j++) store<f32>(top + (<usize>j << 2), -1);
  let kth: f32 = -1;
  let c = 0;
  for (; c + 8 <= classes; c += 8) {
    const a = v128.load(row + (<usize>c << 2));
    const b = v128.load(row + (<usize>c << 2), 16);
    if (v128.any_true(f32x4.gt(f32x4.pmax(a, b), f32x4.splat(kth)))) {
      for (let l = 0; l < 8; l++) {
        const x = load<f32>(row + (<usize>(c + l) << 2));
        if (x > kth) {
          insertDescending(top, k, x);
          kth = load<f32>(top + (<usize>(k - 1) << 2));
        }
      }
    }
  }
  for (; c < classes; c++) {
    const x = load<f32>(row + (<usize>c << 2));
    if (x > kth) {
      insertDescending(top, k, x);
      kth = load<f32>(top + (<usize>(k - 1) << 2));
    }
  }
}

/** Top-k of one row with a min-heap of the k best, then heapsort into descending order. */
@inline
function topKHeap(row: usize, classes: i32, k: i32, top: usize): void {
  memory.copy(top, row, <usize>k << 2);
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDownMin(top, k, i);
  for (let c = k; c < classes; c++) {
    const x = load<f32>(row + (<usize>c << 2));
    if (x > load<f32>(top)) {
      store<f32>(top, x);
      siftDownMin(top, k, 0);
    }
  }
  for (let end = k - 1; end > 0; end--) {
    const smallest = load<f32>(top);
    store<f32>(top, load<f32>(top + (<usize>end << 2)));
    store<f32>(top + (<usize>end << 2), smallest);
    siftDownMin(top, end, 0);
  }
}

/** out[r*k .. r*k+k-1] = the k largest values of row r, descending. */
export function topK(values: usize, rows: i32, classes: i32, k: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    const top = out + ((<usize>r * <usize>k) << 2);
    let bad = false;
    // Constant k in each branch, so each inlined network keeps only its own levels.
    if (k == 1) bad = topKNetwork(row, classes, 1, top, tolerance);
    else if (k == 2) bad = topKNetwork(row, classes, 2, top, tolerance);
    else if (k == 3) bad = topKNetwork(row, classes, 3, top, tolerance);
    else if (k == 4) bad = topKNetwork(row, classes, 4, top, tolerance);
    else {
      bad = rowInvalid(row, classes, tolerance);
      if (!bad) {
        if (k <= INSERTION_MAX_K) topKInsertion(row, classes, k, top);
        else topKHeap(row, classes, k, top);
      }
    }
    if (bad) return r;
  }
  return -1;
}

/** out[r] = the largest value of row r (topK with k = 1). */
export function maxPosterior(values: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    if (topKNetwork(values + <usize>r * rowBytes, classes, 1, out + (<usize>r << 2), tolerance)) return r;
  }
  return -1;
}

/** out[r] = -sum_c p ln p over row r, with 0 ln 0 = 0, accumulated in f64 in column order. */
export function entropy(values: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    let h: f64 = 0;
    for (let c = 0; c < classes; c++) {
      const p = <f64>load<f32>(row + (<usize>c << 2));
      if (p > 0) h -= p * Math.log(p);
    }
    store<f32>(out + (<usize>r << 2), <f32>h);
  }
  return -1;
}

/**
 * Song & Mittal (2021) modified entropy: -(1 - p_y) ln p_y - sum_{c != y} p_c ln(1 - p_c), each
 * logarithm's argument clamped at 1e-30 as in their code. Labels are checked by the wrapper.
 */
export function modifiedEntropy(values: usize, labels: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    const label = load<i32>(labels + (<usize>r << 2));
    let m: f64 = 0;
    for (let c = 0; c < classes; c++) {
      const p = <f64>load<f32>(row + (<usize>c << 2));
      if (c == label) m -= (1 - p) * Math.log(max(p, LOG_FLOOR));
      else m -= p * Math.log(max(1 - p, LOG_FLOOR));
    }
    store<f32>(out + (<usize>r << 2), <f32>m);
  }
  return -1;
}

/** out[r] = -ln max(p[r][label], 1e-30). */
export function crossEntropyLoss(values: usize, labels: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    const label = load<i32>(labels + (<usize>r << 2));
    const p = <f64>load<f32>(row + (<usize>label << 2));
    store<f32>(out + (<usize>r << 2), <f32>-Math.log(max(p, LOG_FLOOR)));
  }
  return -1;
}

/** out[r] = 1 when row r's argmax (lowest index among ties) is its label, else 0. */
export function correctness(values: usize, labels: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    let best = 0;
    let bestValue = load<f32>(row);
    for (let c = 1; c < classes; c++) {
      const x = load<f32>(row + (<usize>c << 2));
      if (x > bestValue) {
        best = c;
        bestValue = x;
      }
    }
    store<f32>(out + (<usize>r << 2), best == load<i32>(labels + (<usize>r << 2)) ? 1 : 0);
  }
  return -1;
}
