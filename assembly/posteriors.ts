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

// Up to k = 16, each lane keeps its own sorted top-k in vectors (a compare-exchange network,
// branch-free). Up to THRESHOLD_MAX_K, a vector pass finds a floor below the k-th largest, and only
// the values at or above it are sorted. Above, a min-heap of k.
const THRESHOLD_MAX_K: i32 = 32;

/**
 * Top-k (k <= 4, a constant after inlining) of one row, checking the row on the way. Two streams of
 * four lanes each keep their top k in t1 >= t2 >= t3 >= t4 (levels above k stay at -1, below any
 * probability). The lanes are then merged, still in vectors, by bitonic merges (the top 4 of two
 * sorted fours: m_j = max(a_j, b_(5-j)), then two compare-exchange rounds): stream b into a, then
 * lanes 2-3 into 0-1, then lane 1 into 0. Columns past the last full 8 are inserted last.
 * Returns true for a bad row (and leaves the output row unspecified).
 */
@inline
function topKNetwork(row: usize, classes: i32, k: i32, top: usize, tolerance: f32): bool {
  const floor = i32x4.splat(0x80000000);
  let a1 = floor, a2 = floor, a3 = floor, a4 = floor;
  let b1 = floor, b2 = floor, b3 = floor, b4 = floor;
  let sumA = f32x4.splat(0);
  let sumB = f32x4.splat(0);
  let signs = i32x4.splat(0);
  let c = 0;
  for (; c + 8 <= classes; c += 8) {
    let a = v128.load(row + (<usize>c << 2));
    let b = v128.load(row + (<usize>c << 2), 16);
    sumA = f32x4.add(sumA, a);
    sumB = f32x4.add(sumB, b);
    signs = v128.or(signs, v128.or(a, b));
    if (k == 1) {
      a1 = i32x4.max_s(a1, a);
      b1 = i32x4.max_s(b1, b);
    } else {
      let t = i32x4.max_s(a1, a); a = i32x4.min_s(a1, a); a1 = t;
      t = i32x4.max_s(b1, b); b = i32x4.min_s(b1, b); b1 = t;
      if (k == 2) {
        a2 = i32x4.max_s(a2, a);
        b2 = i32x4.max_s(b2, b);
      } else {
        t = i32x4.max_s(a2, a); a = i32x4.min_s(a2, a); a2 = t;
        t = i32x4.max_s(b2, b); b = i32x4.min_s(b2, b); b2 = t;
        if (k == 3) {
          a3 = i32x4.max_s(a3, a);
          b3 = i32x4.max_s(b3, b);
        } else {
          t = i32x4.max_s(a3, a); a = i32x4.min_s(a3, a); a3 = t;
          t = i32x4.max_s(b3, b); b = i32x4.min_s(b3, b); b3 = t;
          a4 = i32x4.max_s(a4, a);
          b4 = i32x4.max_s(b4, b);
        }
      }
    }
  }
  // No sign bit set: no negative value (nor -0) among the full blocks. A sign bit (a negative value,
  // or -0, which is a valid zero) sends the row to the exact check.
  if (i32x4.bitmask(signs) != 0 ? rowInvalid(row, classes, tolerance) : rowFinish(row, classes, c, sumA, sumB, f32x4.splat(0), tolerance)) return true;
  let m1: v128, m2: v128, m3: v128, m4: v128;
  if (k == 1) {
    a1 = f32x4.pmax(a1, b1);
    a1 = f32x4.pmax(a1, f32x4.shuffle(a1, a1, 2, 3, 0, 1));
    a1 = f32x4.pmax(a1, f32x4.shuffle(a1, a1, 1, 0, 3, 2));
  } else {
    m1 = f32x4.pmax(a1, b4);
    m2 = f32x4.pmax(a2, b3);
    m3 = f32x4.pmax(a3, b2);
    m4 = f32x4.pmax(a4, b1);
    a1 = f32x4.pmax(m1, m3);
    a3 = f32x4.pmin(m1, m3);
    a2 = f32x4.pmax(m2, m4);
    a4 = f32x4.pmin(m2, m4);
    m1 = f32x4.pmax(a1, a2);
    a2 = f32x4.pmin(a1, a2);
    a1 = m1;
    m3 = f32x4.pmax(a3, a4);
    a4 = f32x4.pmin(a3, a4);
    a3 = m3;
    b1 = f32x4.shuffle(a1, a1, 2, 3, 0, 1);
    b2 = f32x4.shuffle(a2, a2, 2, 3, 0, 1);
    b3 = f32x4.shuffle(a3, a3, 2, 3, 0, 1);
    b4 = f32x4.shuffle(a4, a4, 2, 3, 0, 1);
    m1 = f32x4.pmax(a1, b4);
    m2 = f32x4.pmax(a2, b3);
    m3 = f32x4.pmax(a3, b2);
    m4 = f32x4.pmax(a4, b1);
    a1 = f32x4.pmax(m1, m3);
    a3 = f32x4.pmin(m1, m3);
    a2 = f32x4.pmax(m2, m4);
    a4 = f32x4.pmin(m2, m4);
    m1 = f32x4.pmax(a1, a2);
    a2 = f32x4.pmin(a1, a2);
    a1 = m1;
    m3 = f32x4.pmax(a3, a4);
    a4 = f32x4.pmin(a3, a4);
    a3 = m3;
    b1 = f32x4.shuffle(a1, a1, 1, 0, 3, 2);
    b2 = f32x4.shuffle(a2, a2, 1, 0, 3, 2);
    b3 = f32x4.shuffle(a3, a3, 1, 0, 3, 2);
    b4 = f32x4.shuffle(a4, a4, 1, 0, 3, 2);
    m1 = f32x4.pmax(a1, b4);
    m2 = f32x4.pmax(a2, b3);
    m3 = f32x4.pmax(a3, b2);
    m4 = f32x4.pmax(a4, b1);
    a1 = f32x4.pmax(m1, m3);
    a3 = f32x4.pmin(m1, m3);
    a2 = f32x4.pmax(m2, m4);
    a4 = f32x4.pmin(m2, m4);
    m1 = f32x4.pmax(a1, a2);
    a2 = f32x4.pmin(a1, a2);
    a1 = m1;
    m3 = f32x4.pmax(a3, a4);
    a4 = f32x4.pmin(a3, a4);
    a3 = m3;
  }
  store<f32>(top, f32x4.extract_lane(a1, 0));
  if (k > 1) store<f32>(top, f32x4.extract_lane(a2, 0), 4);
  if (k > 2) store<f32>(top, f32x4.extract_lane(a3, 0), 8);
  if (k > 3) store<f32>(top, f32x4.extract_lane(a4, 0), 12);
  insertTail(row, classes, c, k, top);
  return false;
}

/** Inserts columns c.. of the row into the descending top[0..k-1]. */
@inline
function insertTail(row: usize, classes: i32, c: i32, k: i32, top: usize): void {
  if (c < classes) {
    let kth = load<f32>(top + (<usize>(k - 1) << 2));
    for (; c < classes; c++) {
      const x = load<f32>(row + (<usize>c << 2));
      if (x > kth) {
        insertDescending(top, k, x);
        kth = load<f32>(top + (<usize>(k - 1) << 2));
      }
    }
  }
}

/**
 * Top-3 of one row, checking it on the way, with one set of four lanes t1 >= t2 >= t3 (integer
 * order of the bits, as topKNetwork): each 16 columns are sorted per lane by the 5-comparator
 * network for four, and their top three merged in (the top 3 of two sorted threes are
 * max(t1, n3), max(t2, n2), max(t3, n1), then sorted by three compare-exchanges): 9 + 9 steps per
 * 16 values, where inserting four vectors one by one takes 20. Then 4 columns at a time by
 * insertion, the lanes merged the same way, and the last columns inserted. Returns true for a bad row.
 */
@inline
function topKNetwork3(row: usize, classes: i32, top: usize, tolerance: f32): bool {
  let t1 = i32x4.splat(0x80000000), t2 = t1, t3 = t1;
  let sumA = f32x4.splat(0);
  let sumB = f32x4.splat(0);
  let signs = i32x4.splat(0);
  let c = 0;
  for (; c + 16 <= classes; c += 16) {
    const p = row + (<usize>c << 2);
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const x = v128.load(p, 32);
    const y = v128.load(p, 48);
    sumA = f32x4.add(f32x4.add(sumA, a), x);
    sumB = f32x4.add(f32x4.add(sumB, b), y);
    signs = v128.or(signs, v128.or(v128.or(a, b), v128.or(x, y)));
    const h1 = i32x4.max_s(a, b), l1 = i32x4.min_s(a, b);
    const h2 = i32x4.max_s(x, y), l2 = i32x4.min_s(x, y);
    const n1 = i32x4.max_s(h1, h2), m = i32x4.min_s(h1, h2);
    const lm = i32x4.max_s(l1, l2);
    const n2 = i32x4.max_s(m, lm), n3 = i32x4.min_s(m, lm);
    const u1 = i32x4.max_s(t1, n3), u2 = i32x4.max_s(t2, n2), u3 = i32x4.max_s(t3, n1);
    const hi = i32x4.max_s(u1, u2), lo = i32x4.min_s(u1, u2);
    const mid = i32x4.max_s(lo, u3);
    t3 = i32x4.min_s(lo, u3);
    t1 = i32x4.max_s(hi, mid);
    t2 = i32x4.min_s(hi, mid);
  }
  for (; c + 4 <= classes; c += 4) {
    let x = v128.load(row + (<usize>c << 2));
    sumA = f32x4.add(sumA, x);
    signs = v128.or(signs, x);
    let t = i32x4.max_s(t1, x); x = i32x4.min_s(t1, x); t1 = t;
    t = i32x4.max_s(t2, x); x = i32x4.min_s(t2, x); t2 = t;
    t3 = i32x4.max_s(t3, x);
  }
  if (i32x4.bitmask(signs) != 0 ? rowInvalid(row, classes, tolerance) : rowFinish(row, classes, c, sumA, sumB, f32x4.splat(0), tolerance)) return true;
  // Lanes 2-3 into 0-1, then lane 1 into 0.
  for (let half = 0; half < 2; half++) {
    const n1 = half == 0 ? i32x4.shuffle(t1, t1, 2, 3, 0, 1) : i32x4.shuffle(t1, t1, 1, 0, 3, 2);
    const n2 = half == 0 ? i32x4.shuffle(t2, t2, 2, 3, 0, 1) : i32x4.shuffle(t2, t2, 1, 0, 3, 2);
    const n3 = half == 0 ? i32x4.shuffle(t3, t3, 2, 3, 0, 1) : i32x4.shuffle(t3, t3, 1, 0, 3, 2);
    const u1 = i32x4.max_s(t1, n3), u2 = i32x4.max_s(t2, n2), u3 = i32x4.max_s(t3, n1);
    const hi = i32x4.max_s(u1, u2), lo = i32x4.min_s(u1, u2);
    const mid = i32x4.max_s(lo, u3);
    t3 = i32x4.min_s(lo, u3);
    t1 = i32x4.max_s(hi, mid);
    t2 = i32x4.min_s(hi, mid);
  }
  store<f32>(top, f32x4.extract_lane(t1, 0));
  store<f32>(top, f32x4.extract_lane(t2, 0), 4);
  store<f32>(top, f32x4.extract_lane(t3, 0), 8);
  insertTail(row, classes, c, 3, top);
  return false;
}

/**
 * Top-k for 4 < k <= 8 (a constant after inlining), checking the row on the way: one stream of four
 * lanes keeps its top k in l1 >= ... >= l8 (levels above k stay at -1). The four lanes are merged
 * with bitonic merges of two sorted eights (m_j = max(a_j, b_(9-j)), then compare-exchange at
 * distances 4, 2, 1): lanes 2-3 into 0-1, then lane 1 into 0. Returns true for a bad row.
 */
@inline
function topKNetwork8(row: usize, classes: i32, k: i32, top: usize, tolerance: f32): bool {
  const floor = f32x4.splat(-1);
  let l1 = floor, l2 = floor, l3 = floor, l4 = floor, l5 = floor, l6 = floor, l7 = floor, l8 = floor;
  let sumA = f32x4.splat(0);
  let low = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= classes; c += 4) {
    let x = v128.load(row + (<usize>c << 2));
    sumA = f32x4.add(sumA, x);
    low = f32x4.pmin(low, x);
    let t: v128;
    t = f32x4.pmax(l1, x); x = f32x4.pmin(l1, x); l1 = t;
    t = f32x4.pmax(l2, x); x = f32x4.pmin(l2, x); l2 = t;
    t = f32x4.pmax(l3, x); x = f32x4.pmin(l3, x); l3 = t;
    t = f32x4.pmax(l4, x); x = f32x4.pmin(l4, x); l4 = t;
    if (k == 5) l5 = f32x4.pmax(l5, x);
    else {
      t = f32x4.pmax(l5, x); x = f32x4.pmin(l5, x); l5 = t;
      if (k == 6) l6 = f32x4.pmax(l6, x);
      else {
        t = f32x4.pmax(l6, x); x = f32x4.pmin(l6, x); l6 = t;
        if (k == 7) l7 = f32x4.pmax(l7, x);
        else {
          t = f32x4.pmax(l7, x); x = f32x4.pmin(l7, x); l7 = t;
          l8 = f32x4.pmax(l8, x);
        }
      }
    }
  }
  if (rowFinish(row, classes, c, sumA, f32x4.splat(0), low, tolerance)) return true;
  let m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, m8: v128, t: v128;
  // Lanes 2-3 into 0-1.
  m1 = f32x4.pmax(l1, f32x4.shuffle(l8, l8, 2, 3, 0, 1));
  m2 = f32x4.pmax(l2, f32x4.shuffle(l7, l7, 2, 3, 0, 1));
  m3 = f32x4.pmax(l3, f32x4.shuffle(l6, l6, 2, 3, 0, 1));
  m4 = f32x4.pmax(l4, f32x4.shuffle(l5, l5, 2, 3, 0, 1));
  m5 = f32x4.pmax(l5, f32x4.shuffle(l4, l4, 2, 3, 0, 1));
  m6 = f32x4.pmax(l6, f32x4.shuffle(l3, l3, 2, 3, 0, 1));
  m7 = f32x4.pmax(l7, f32x4.shuffle(l2, l2, 2, 3, 0, 1));
  m8 = f32x4.pmax(l8, f32x4.shuffle(l1, l1, 2, 3, 0, 1));
  {
    t = f32x4.pmax(m1, m5); m5 = f32x4.pmin(m1, m5); m1 = t;
    t = f32x4.pmax(m2, m6); m6 = f32x4.pmin(m2, m6); m2 = t;
    t = f32x4.pmax(m3, m7); m7 = f32x4.pmin(m3, m7); m3 = t;
    t = f32x4.pmax(m4, m8); m8 = f32x4.pmin(m4, m8); m4 = t;
    t = f32x4.pmax(m1, m3); m3 = f32x4.pmin(m1, m3); m1 = t;
    t = f32x4.pmax(m2, m4); m4 = f32x4.pmin(m2, m4); m2 = t;
    t = f32x4.pmax(m5, m7); m7 = f32x4.pmin(m5, m7); m5 = t;
    t = f32x4.pmax(m6, m8); m8 = f32x4.pmin(m6, m8); m6 = t;
    t = f32x4.pmax(m1, m2); m2 = f32x4.pmin(m1, m2); m1 = t;
    t = f32x4.pmax(m3, m4); m4 = f32x4.pmin(m3, m4); m3 = t;
    t = f32x4.pmax(m5, m6); m6 = f32x4.pmin(m5, m6); m5 = t;
    t = f32x4.pmax(m7, m8); m8 = f32x4.pmin(m7, m8); m7 = t;
  }
  l1 = m1;
  l2 = m2;
  l3 = m3;
  l4 = m4;
  l5 = m5;
  l6 = m6;
  l7 = m7;
  l8 = m8;
  // Lanes 1 into 0.
  m1 = f32x4.pmax(l1, f32x4.shuffle(l8, l8, 1, 0, 3, 2));
  m2 = f32x4.pmax(l2, f32x4.shuffle(l7, l7, 1, 0, 3, 2));
  m3 = f32x4.pmax(l3, f32x4.shuffle(l6, l6, 1, 0, 3, 2));
  m4 = f32x4.pmax(l4, f32x4.shuffle(l5, l5, 1, 0, 3, 2));
  m5 = f32x4.pmax(l5, f32x4.shuffle(l4, l4, 1, 0, 3, 2));
  m6 = f32x4.pmax(l6, f32x4.shuffle(l3, l3, 1, 0, 3, 2));
  m7 = f32x4.pmax(l7, f32x4.shuffle(l2, l2, 1, 0, 3, 2));
  m8 = f32x4.pmax(l8, f32x4.shuffle(l1, l1, 1, 0, 3, 2));
  {
    t = f32x4.pmax(m1, m5); m5 = f32x4.pmin(m1, m5); m1 = t;
    t = f32x4.pmax(m2, m6); m6 = f32x4.pmin(m2, m6); m2 = t;
    t = f32x4.pmax(m3, m7); m7 = f32x4.pmin(m3, m7); m3 = t;
    t = f32x4.pmax(m4, m8); m8 = f32x4.pmin(m4, m8); m4 = t;
    t = f32x4.pmax(m1, m3); m3 = f32x4.pmin(m1, m3); m1 = t;
    t = f32x4.pmax(m2, m4); m4 = f32x4.pmin(m2, m4); m2 = t;
    t = f32x4.pmax(m5, m7); m7 = f32x4.pmin(m5, m7); m5 = t;
    t = f32x4.pmax(m6, m8); m8 = f32x4.pmin(m6, m8); m6 = t;
    t = f32x4.pmax(m1, m2); m2 = f32x4.pmin(m1, m2); m1 = t;
    t = f32x4.pmax(m3, m4); m4 = f32x4.pmin(m3, m4); m3 = t;
    t = f32x4.pmax(m5, m6); m6 = f32x4.pmin(m5, m6); m5 = t;
    t = f32x4.pmax(m7, m8); m8 = f32x4.pmin(m7, m8); m7 = t;
  }
  l1 = m1;
  l2 = m2;
  l3 = m3;
  l4 = m4;
  l5 = m5;
  l6 = m6;
  l7 = m7;
  l8 = m8;
  store<f32>(top, f32x4.extract_lane(l1, 0));
  store<f32>(top, f32x4.extract_lane(l2, 0), 4);
  store<f32>(top, f32x4.extract_lane(l3, 0), 8);
  store<f32>(top, f32x4.extract_lane(l4, 0), 12);
  store<f32>(top, f32x4.extract_lane(l5, 0), 16);
  if (k >= 6) store<f32>(top, f32x4.extract_lane(l6, 0), 20);
  if (k >= 7) store<f32>(top, f32x4.extract_lane(l7, 0), 24);
  if (k >= 8) store<f32>(top, f32x4.extract_lane(l8, 0), 28);
  insertTail(row, classes, c, k, top);
  return false;
}

/**
 * Top-k for 8 < k <= 16, as topKNetwork8 with sixteen levels (some live on the stack: wasm has no
 * more vector registers to give, and that is still far cheaper than branching on every value).
 */
@inline
function topKNetwork16(row: usize, classes: i32, k: i32, top: usize, tolerance: f32): bool {
  const floor = f32x4.splat(-1);
  let l1 = floor, l2 = floor, l3 = floor, l4 = floor, l5 = floor, l6 = floor, l7 = floor, l8 = floor, l9 = floor, l10 = floor, l11 = floor, l12 = floor, l13 = floor, l14 = floor, l15 = floor, l16 = floor;
  let sumA = f32x4.splat(0);
  let low = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= classes; c += 4) {
    let x = v128.load(row + (<usize>c << 2));
    sumA = f32x4.add(sumA, x);
    low = f32x4.pmin(low, x);
    let t: v128;
    t = f32x4.pmax(l1, x); x = f32x4.pmin(l1, x); l1 = t;
    t = f32x4.pmax(l2, x); x = f32x4.pmin(l2, x); l2 = t;
    t = f32x4.pmax(l3, x); x = f32x4.pmin(l3, x); l3 = t;
    t = f32x4.pmax(l4, x); x = f32x4.pmin(l4, x); l4 = t;
    t = f32x4.pmax(l5, x); x = f32x4.pmin(l5, x); l5 = t;
    t = f32x4.pmax(l6, x); x = f32x4.pmin(l6, x); l6 = t;
    t = f32x4.pmax(l7, x); x = f32x4.pmin(l7, x); l7 = t;
    t = f32x4.pmax(l8, x); x = f32x4.pmin(l8, x); l8 = t;
    if (k == 9) l9 = f32x4.pmax(l9, x);
    else {
      t = f32x4.pmax(l9, x); x = f32x4.pmin(l9, x); l9 = t;
      if (k == 10) l10 = f32x4.pmax(l10, x);
      else {
        t = f32x4.pmax(l10, x); x = f32x4.pmin(l10, x); l10 = t;
        if (k == 11) l11 = f32x4.pmax(l11, x);
        else {
          t = f32x4.pmax(l11, x); x = f32x4.pmin(l11, x); l11 = t;
          if (k == 12) l12 = f32x4.pmax(l12, x);
          else {
            t = f32x4.pmax(l12, x); x = f32x4.pmin(l12, x); l12 = t;
            if (k == 13) l13 = f32x4.pmax(l13, x);
            else {
              t = f32x4.pmax(l13, x); x = f32x4.pmin(l13, x); l13 = t;
              if (k == 14) l14 = f32x4.pmax(l14, x);
              else {
                t = f32x4.pmax(l14, x); x = f32x4.pmin(l14, x); l14 = t;
                if (k == 15) l15 = f32x4.pmax(l15, x);
                else {
                  t = f32x4.pmax(l15, x); x = f32x4.pmin(l15, x); l15 = t;
                  l16 = f32x4.pmax(l16, x);
                }
              }
            }
          }
        }
      }
    }
  }
  if (rowFinish(row, classes, c, sumA, f32x4.splat(0), low, tolerance)) return true;
  let m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, m8: v128, m9: v128, m10: v128, m11: v128, m12: v128, m13: v128, m14: v128, m15: v128, m16: v128, t: v128;
  // Lanes 2-3 into 0-1.
  m1 = f32x4.pmax(l1, f32x4.shuffle(l16, l16, 2, 3, 0, 1));
  m2 = f32x4.pmax(l2, f32x4.shuffle(l15, l15, 2, 3, 0, 1));
  m3 = f32x4.pmax(l3, f32x4.shuffle(l14, l14, 2, 3, 0, 1));
  m4 = f32x4.pmax(l4, f32x4.shuffle(l13, l13, 2, 3, 0, 1));
  m5 = f32x4.pmax(l5, f32x4.shuffle(l12, l12, 2, 3, 0, 1));
  m6 = f32x4.pmax(l6, f32x4.shuffle(l11, l11, 2, 3, 0, 1));
  m7 = f32x4.pmax(l7, f32x4.shuffle(l10, l10, 2, 3, 0, 1));
  m8 = f32x4.pmax(l8, f32x4.shuffle(l9, l9, 2, 3, 0, 1));
  m9 = f32x4.pmax(l9, f32x4.shuffle(l8, l8, 2, 3, 0, 1));
  m10 = f32x4.pmax(l10, f32x4.shuffle(l7, l7, 2, 3, 0, 1));
  m11 = f32x4.pmax(l11, f32x4.shuffle(l6, l6, 2, 3, 0, 1));
  m12 = f32x4.pmax(l12, f32x4.shuffle(l5, l5, 2, 3, 0, 1));
  m13 = f32x4.pmax(l13, f32x4.shuffle(l4, l4, 2, 3, 0, 1));
  m14 = f32x4.pmax(l14, f32x4.shuffle(l3, l3, 2, 3, 0, 1));
  m15 = f32x4.pmax(l15, f32x4.shuffle(l2, l2, 2, 3, 0, 1));
  m16 = f32x4.pmax(l16, f32x4.shuffle(l1, l1, 2, 3, 0, 1));
  t = f32x4.pmax(m1, m9); m9 = f32x4.pmin(m1, m9); m1 = t;
  t = f32x4.pmax(m2, m10); m10 = f32x4.pmin(m2, m10); m2 = t;
  t = f32x4.pmax(m3, m11); m11 = f32x4.pmin(m3, m11); m3 = t;
  t = f32x4.pmax(m4, m12); m12 = f32x4.pmin(m4, m12); m4 = t;
  t = f32x4.pmax(m5, m13); m13 = f32x4.pmin(m5, m13); m5 = t;
  t = f32x4.pmax(m6, m14); m14 = f32x4.pmin(m6, m14); m6 = t;
  t = f32x4.pmax(m7, m15); m15 = f32x4.pmin(m7, m15); m7 = t;
  t = f32x4.pmax(m8, m16); m16 = f32x4.pmin(m8, m16); m8 = t;
  t = f32x4.pmax(m1, m5); m5 = f32x4.pmin(m1, m5); m1 = t;
  t = f32x4.pmax(m2, m6); m6 = f32x4.pmin(m2, m6); m2 = t;
  t = f32x4.pmax(m3, m7); m7 = f32x4.pmin(m3, m7); m3 = t;
  t = f32x4.pmax(m4, m8); m8 = f32x4.pmin(m4, m8); m4 = t;
  t = f32x4.pmax(m9, m13); m13 = f32x4.pmin(m9, m13); m9 = t;
  t = f32x4.pmax(m10, m14); m14 = f32x4.pmin(m10, m14); m10 = t;
  t = f32x4.pmax(m11, m15); m15 = f32x4.pmin(m11, m15); m11 = t;
  t = f32x4.pmax(m12, m16); m16 = f32x4.pmin(m12, m16); m12 = t;
  t = f32x4.pmax(m1, m3); m3 = f32x4.pmin(m1, m3); m1 = t;
  t = f32x4.pmax(m2, m4); m4 = f32x4.pmin(m2, m4); m2 = t;
  t = f32x4.pmax(m5, m7); m7 = f32x4.pmin(m5, m7); m5 = t;
  t = f32x4.pmax(m6, m8); m8 = f32x4.pmin(m6, m8); m6 = t;
  t = f32x4.pmax(m9, m11); m11 = f32x4.pmin(m9, m11); m9 = t;
  t = f32x4.pmax(m10, m12); m12 = f32x4.pmin(m10, m12); m10 = t;
  t = f32x4.pmax(m13, m15); m15 = f32x4.pmin(m13, m15); m13 = t;
  t = f32x4.pmax(m14, m16); m16 = f32x4.pmin(m14, m16); m14 = t;
  t = f32x4.pmax(m1, m2); m2 = f32x4.pmin(m1, m2); m1 = t;
  t = f32x4.pmax(m3, m4); m4 = f32x4.pmin(m3, m4); m3 = t;
  t = f32x4.pmax(m5, m6); m6 = f32x4.pmin(m5, m6); m5 = t;
  t = f32x4.pmax(m7, m8); m8 = f32x4.pmin(m7, m8); m7 = t;
  t = f32x4.pmax(m9, m10); m10 = f32x4.pmin(m9, m10); m9 = t;
  t = f32x4.pmax(m11, m12); m12 = f32x4.pmin(m11, m12); m11 = t;
  t = f32x4.pmax(m13, m14); m14 = f32x4.pmin(m13, m14); m13 = t;
  t = f32x4.pmax(m15, m16); m16 = f32x4.pmin(m15, m16); m15 = t;
  l1 = m1;
  l2 = m2;
  l3 = m3;
  l4 = m4;
  l5 = m5;
  l6 = m6;
  l7 = m7;
  l8 = m8;
  l9 = m9;
  l10 = m10;
  l11 = m11;
  l12 = m12;
  l13 = m13;
  l14 = m14;
  l15 = m15;
  l16 = m16;
  // Lane 1 into 0.
  m1 = f32x4.pmax(l1, f32x4.shuffle(l16, l16, 1, 0, 3, 2));
  m2 = f32x4.pmax(l2, f32x4.shuffle(l15, l15, 1, 0, 3, 2));
  m3 = f32x4.pmax(l3, f32x4.shuffle(l14, l14, 1, 0, 3, 2));
  m4 = f32x4.pmax(l4, f32x4.shuffle(l13, l13, 1, 0, 3, 2));
  m5 = f32x4.pmax(l5, f32x4.shuffle(l12, l12, 1, 0, 3, 2));
  m6 = f32x4.pmax(l6, f32x4.shuffle(l11, l11, 1, 0, 3, 2));
  m7 = f32x4.pmax(l7, f32x4.shuffle(l10, l10, 1, 0, 3, 2));
  m8 = f32x4.pmax(l8, f32x4.shuffle(l9, l9, 1, 0, 3, 2));
  m9 = f32x4.pmax(l9, f32x4.shuffle(l8, l8, 1, 0, 3, 2));
  m10 = f32x4.pmax(l10, f32x4.shuffle(l7, l7, 1, 0, 3, 2));
  m11 = f32x4.pmax(l11, f32x4.shuffle(l6, l6, 1, 0, 3, 2));
  m12 = f32x4.pmax(l12, f32x4.shuffle(l5, l5, 1, 0, 3, 2));
  m13 = f32x4.pmax(l13, f32x4.shuffle(l4, l4, 1, 0, 3, 2));
  m14 = f32x4.pmax(l14, f32x4.shuffle(l3, l3, 1, 0, 3, 2));
  m15 = f32x4.pmax(l15, f32x4.shuffle(l2, l2, 1, 0, 3, 2));
  m16 = f32x4.pmax(l16, f32x4.shuffle(l1, l1, 1, 0, 3, 2));
  t = f32x4.pmax(m1, m9); m9 = f32x4.pmin(m1, m9); m1 = t;
  t = f32x4.pmax(m2, m10); m10 = f32x4.pmin(m2, m10); m2 = t;
  t = f32x4.pmax(m3, m11); m11 = f32x4.pmin(m3, m11); m3 = t;
  t = f32x4.pmax(m4, m12); m12 = f32x4.pmin(m4, m12); m4 = t;
  t = f32x4.pmax(m5, m13); m13 = f32x4.pmin(m5, m13); m5 = t;
  t = f32x4.pmax(m6, m14); m14 = f32x4.pmin(m6, m14); m6 = t;
  t = f32x4.pmax(m7, m15); m15 = f32x4.pmin(m7, m15); m7 = t;
  t = f32x4.pmax(m8, m16); m16 = f32x4.pmin(m8, m16); m8 = t;
  t = f32x4.pmax(m1, m5); m5 = f32x4.pmin(m1, m5); m1 = t;
  t = f32x4.pmax(m2, m6); m6 = f32x4.pmin(m2, m6); m2 = t;
  t = f32x4.pmax(m3, m7); m7 = f32x4.pmin(m3, m7); m3 = t;
  t = f32x4.pmax(m4, m8); m8 = f32x4.pmin(m4, m8); m4 = t;
  t = f32x4.pmax(m9, m13); m13 = f32x4.pmin(m9, m13); m9 = t;
  t = f32x4.pmax(m10, m14); m14 = f32x4.pmin(m10, m14); m10 = t;
  t = f32x4.pmax(m11, m15); m15 = f32x4.pmin(m11, m15); m11 = t;
  t = f32x4.pmax(m12, m16); m16 = f32x4.pmin(m12, m16); m12 = t;
  t = f32x4.pmax(m1, m3); m3 = f32x4.pmin(m1, m3); m1 = t;
  t = f32x4.pmax(m2, m4); m4 = f32x4.pmin(m2, m4); m2 = t;
  t = f32x4.pmax(m5, m7); m7 = f32x4.pmin(m5, m7); m5 = t;
  t = f32x4.pmax(m6, m8); m8 = f32x4.pmin(m6, m8); m6 = t;
  t = f32x4.pmax(m9, m11); m11 = f32x4.pmin(m9, m11); m9 = t;
  t = f32x4.pmax(m10, m12); m12 = f32x4.pmin(m10, m12); m10 = t;
  t = f32x4.pmax(m13, m15); m15 = f32x4.pmin(m13, m15); m13 = t;
  t = f32x4.pmax(m14, m16); m16 = f32x4.pmin(m14, m16); m14 = t;
  t = f32x4.pmax(m1, m2); m2 = f32x4.pmin(m1, m2); m1 = t;
  t = f32x4.pmax(m3, m4); m4 = f32x4.pmin(m3, m4); m3 = t;
  t = f32x4.pmax(m5, m6); m6 = f32x4.pmin(m5, m6); m5 = t;
  t = f32x4.pmax(m7, m8); m8 = f32x4.pmin(m7, m8); m7 = t;
  t = f32x4.pmax(m9, m10); m10 = f32x4.pmin(m9, m10); m9 = t;
  t = f32x4.pmax(m11, m12); m12 = f32x4.pmin(m11, m12); m11 = t;
  t = f32x4.pmax(m13, m14); m14 = f32x4.pmin(m13, m14); m13 = t;
  t = f32x4.pmax(m15, m16); m16 = f32x4.pmin(m15, m16); m15 = t;
  l1 = m1;
  l2 = m2;
  l3 = m3;
  l4 = m4;
  l5 = m5;
  l6 = m6;
  l7 = m7;
  l8 = m8;
  l9 = m9;
  l10 = m10;
  l11 = m11;
  l12 = m12;
  l13 = m13;
  l14 = m14;
  l15 = m15;
  l16 = m16;
  store<f32>(top, f32x4.extract_lane(l1, 0));
  store<f32>(top, f32x4.extract_lane(l2, 0), 4);
  store<f32>(top, f32x4.extract_lane(l3, 0), 8);
  store<f32>(top, f32x4.extract_lane(l4, 0), 12);
  store<f32>(top, f32x4.extract_lane(l5, 0), 16);
  store<f32>(top, f32x4.extract_lane(l6, 0), 20);
  store<f32>(top, f32x4.extract_lane(l7, 0), 24);
  store<f32>(top, f32x4.extract_lane(l8, 0), 28);
  store<f32>(top, f32x4.extract_lane(l9, 0), 32);
  if (k >= 10) store<f32>(top, f32x4.extract_lane(l10, 0), 36);
  if (k >= 11) store<f32>(top, f32x4.extract_lane(l11, 0), 40);
  if (k >= 12) store<f32>(top, f32x4.extract_lane(l12, 0), 44);
  if (k >= 13) store<f32>(top, f32x4.extract_lane(l13, 0), 48);
  if (k >= 14) store<f32>(top, f32x4.extract_lane(l14, 0), 52);
  if (k >= 15) store<f32>(top, f32x4.extract_lane(l15, 0), 56);
  if (k >= 16) store<f32>(top, f32x4.extract_lane(l16, 0), 60);
  insertTail(row, classes, c, k, top);
  return false;
}

/**
 * A value at or below the row's k-th largest for k <= 32: 8 lanes keep their top 4 values; those
 * are 32 distinct entries of the row, all at or above the smallest of the fourth level, so at least
 * k are. Lanes that saw fewer than 4 values keep -1, which is below every probability.
 */
@inline
function laneFloor(row: usize, classes: i32): f32 {
  const floor = f32x4.splat(-1);
  let a1 = floor, a2 = floor, a3 = floor, a4 = floor;
  let b1 = floor, b2 = floor, b3 = floor, b4 = floor;
  for (let c = 0; c + 8 <= classes; c += 8) {
    let a = v128.load(row + (<usize>c << 2));
    let b = v128.load(row + (<usize>c << 2), 16);
    let t = f32x4.pmax(a1, a); a = f32x4.pmin(a1, a); a1 = t;
    t = f32x4.pmax(b1, b); b = f32x4.pmin(b1, b); b1 = t;
    t = f32x4.pmax(a2, a); a = f32x4.pmin(a2, a); a2 = t;
    t = f32x4.pmax(b2, b); b = f32x4.pmin(b2, b); b2 = t;
    t = f32x4.pmax(a3, a); a = f32x4.pmin(a3, a); a3 = t;
    t = f32x4.pmax(b3, b); b = f32x4.pmin(b3, b); b3 = t;
    a4 = f32x4.pmax(a4, a);
    b4 = f32x4.pmax(b4, b);
  }
  const last = f32x4.pmin(a4, b4);
  return min(min(f32x4.extract_lane(last, 0), f32x4.extract_lane(last, 1)), min(f32x4.extract_lane(last, 2), f32x4.extract_lane(last, 3)));
}

/**
 * Top-k (16 < k <= 32) of one row: the values at or above laneFloor are gathered without branches
 * into `work`, sorted descending by insertion, and the first k kept.
 */
@inline
function topKThreshold(row: usize, classes: i32, k: i32, top: usize, work: usize): void {
  const floor = laneFloor(row, classes);
  let n = 0;
  for (let c = 0; c < classes; c++) {
    const x = load<f32>(row + (<usize>c << 2));
    store<f32>(work + (<usize>n << 2), x);
    n += i32(x >= floor);
  }
  for (let i = 1; i < n; i++) {
    const x = load<f32>(work + (<usize>i << 2));
    let j = i;
    while (j > 0) {
      const above = load<f32>(work + (<usize>(j - 1) << 2));
      if (above >= x) break;
      store<f32>(work + (<usize>j << 2), above);
      j--;
    }
    store<f32>(work + (<usize>j << 2), x);
  }
  memory.copy(top, work, <usize>k << 2);
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

/** out[r*k .. r*k+k-1] = the k largest values of row r, descending; work holds `classes` floats. */
export function topK(values: usize, rows: i32, classes: i32, k: i32, out: usize, work: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    const top = out + ((<usize>r * <usize>k) << 2);
    let bad = false;
    // Constant k in each branch, so each inlined network keeps only its own levels.
    if (k == 1) bad = topKNetwork(row, classes, 1, top, tolerance);
    else if (k == 2) bad = topKNetwork(row, classes, 2, top, tolerance);
    else if (k == 3) bad = topKNetwork3(row, classes, top, tolerance);
    else if (k == 4) bad = topKNetwork(row, classes, 4, top, tolerance);
    else if (k == 5) bad = topKNetwork8(row, classes, 5, top, tolerance);
    else if (k == 6) bad = topKNetwork8(row, classes, 6, top, tolerance);
    else if (k == 7) bad = topKNetwork8(row, classes, 7, top, tolerance);
    else if (k == 8) bad = topKNetwork8(row, classes, 8, top, tolerance);
    else if (k == 9) bad = topKNetwork16(row, classes, 9, top, tolerance);
    else if (k == 10) bad = topKNetwork16(row, classes, 10, top, tolerance);
    else if (k == 11) bad = topKNetwork16(row, classes, 11, top, tolerance);
    else if (k == 12) bad = topKNetwork16(row, classes, 12, top, tolerance);
    else if (k == 13) bad = topKNetwork16(row, classes, 13, top, tolerance);
    else if (k == 14) bad = topKNetwork16(row, classes, 14, top, tolerance);
    else if (k == 15) bad = topKNetwork16(row, classes, 15, top, tolerance);
    else if (k == 16) bad = topKNetwork16(row, classes, 16, top, tolerance);
    else {
      bad = rowInvalid(row, classes, tolerance);
      if (!bad) {
        if (k <= THRESHOLD_MAX_K) topKThreshold(row, classes, k, top, work);
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

// ln x in two f64 lanes for the entropies: plain IEEE adds, multiplies and one divide, so the bits
// are the same on every engine, and ~4x the speed of a scalar Math.log per value. x = 2^e m with m
// in [sqrt(1/2), sqrt(2)) (by integer arithmetic on the bits, as musl's log does), then
// ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^17/17) with s = (m - 1)/(m + 1), |s| <= 0.1716: the
// first omitted term is below 1e-15 relative. For x = 0 it returns a finite value near -745 (so
// 0 ln 0 comes out 0); x must not be negative, NaN or infinite (rows are checked first).
const SQRT_HALF_BITS: i64 = 0x3fe6a09e667f3bcd;
const MANTISSA_MASK: i64 = 0x000fffffffffffff;
// 1.5 * 2^52: adding a small integer to its bits adds it to its value.
const EXPONENT_BIAS_BITS: i64 = 0x4338000000000000;
const EXPONENT_BIAS: f64 = 6755399441055744.0;

@inline
function ln2x(x: v128): v128 {
  const ix = i64x2.sub(x, i64x2.splat(SQRT_HALF_BITS));
  const e = i64x2.shr_s(ix, 52);
  const m = i64x2.add(v128.and(ix, i64x2.splat(MANTISSA_MASK)), i64x2.splat(SQRT_HALF_BITS));
  const ef = f64x2.sub(i64x2.add(e, i64x2.splat(EXPONENT_BIAS_BITS)), f64x2.splat(EXPONENT_BIAS));
  const one = f64x2.splat(1);
  const s = f64x2.div(f64x2.sub(m, one), f64x2.add(m, one));
  const z = f64x2.mul(s, s);
  let q = f64x2.splat(1.0 / 17);
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 15));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 13));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 11));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 9));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 7));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 5));
  q = f64x2.add(f64x2.mul(q, z), f64x2.splat(1.0 / 3));
  q = f64x2.add(f64x2.mul(q, z), one);
  return f64x2.add(f64x2.mul(ef, f64x2.splat(Math.LN2)), f64x2.mul(f64x2.add(s, s), q));
}

@inline
function ln1(x: f64): f64 {
  return f64x2.extract_lane(ln2x(f64x2.splat(x)), 0);
}

/** out[r] = -sum_c p ln p over row r, with 0 ln 0 = 0, accumulated in f64. */
export function entropy(values: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    let sumLo = f64x2.splat(0);
    let sumHi = f64x2.splat(0);
    let c = 0;
    for (; c + 4 <= classes; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
      sumLo = f64x2.add(sumLo, f64x2.mul(lo, ln2x(lo)));
      sumHi = f64x2.add(sumHi, f64x2.mul(hi, ln2x(hi)));
    }
    const both = f64x2.add(sumLo, sumHi);
    let h = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; c < classes; c++) {
      const p = <f64>load<f32>(row + (<usize>c << 2));
      h += p * ln1(p);
    }
    store<f32>(out + (<usize>r << 2), <f32>-h);
  }
  return -1;
}

/**
 * Song & Mittal (2021) modified entropy: -(1 - p_y) ln p_y - sum_{c != y} p_c ln(1 - p_c), each
 * logarithm's argument clamped at 1e-30 as in their code. Labels are checked by the wrapper. The
 * sum runs over all columns in vectors with the label's lane masked out; its own term is added last.
 */
export function modifiedEntropy(values: usize, labels: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  const one = f64x2.splat(1);
  const logFloor = f64x2.splat(LOG_FLOOR);
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    if (rowInvalid(row, classes, tolerance)) return r;
    const label = load<i32>(labels + (<usize>r << 2));
    const labelLanes = i64x2.splat(<i64>label);
    let columnLo = i64x2(0, 1);
    let columnHi = i64x2(2, 3);
    let sumLo = f64x2.splat(0);
    let sumHi = f64x2.splat(0);
    let c = 0;
    for (; c + 4 <= classes; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
      const termLo = f64x2.mul(lo, ln2x(f64x2.pmax(f64x2.sub(one, lo), logFloor)));
      const termHi = f64x2.mul(hi, ln2x(f64x2.pmax(f64x2.sub(one, hi), logFloor)));
      sumLo = f64x2.add(sumLo, v128.andnot(termLo, i64x2.eq(columnLo, labelLanes)));
      sumHi = f64x2.add(sumHi, v128.andnot(termHi, i64x2.eq(columnHi, labelLanes)));
      columnLo = i64x2.add(columnLo, i64x2.splat(4));
      columnHi = i64x2.add(columnHi, i64x2.splat(4));
    }
    const both = f64x2.add(sumLo, sumHi);
    let m = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; c < classes; c++) {
      if (c == label) continue;
      const p = <f64>load<f32>(row + (<usize>c << 2));
      m += p * ln1(max(1 - p, LOG_FLOOR));
    }
    const py = <f64>load<f32>(row + (<usize>label << 2));
    m += (1 - py) * ln1(max(py, LOG_FLOOR));
    store<f32>(out + (<usize>r << 2), <f32>-m);
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

/**
 * out[r] = 1 when row r's argmax (lowest index among ties) is its label, else 0: the row's maximum
 * by the k = 1 network, then the first column holding it, four at a time.
 */
export function correctness(values: usize, labels: usize, rows: i32, classes: i32, out: usize, tolerance: f32): i32 {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = values + <usize>r * rowBytes;
    // The maximum goes into the output slot first; the verdict then replaces it.
    const slot = out + (<usize>r << 2);
    if (topKNetwork(row, classes, 1, slot, tolerance)) return r;
    const best = load<f32>(slot);
    const bestLanes = f32x4.splat(best);
    let c = 0;
    while (c + 4 <= classes && !v128.any_true(f32x4.eq(v128.load(row + (<usize>c << 2)), bestLanes))) c += 4;
    while (load<f32>(row + (<usize>c << 2)) != best) c++;
    store<f32>(slot, c == load<i32>(labels + (<usize>r << 2)) ? 1 : 0);
  }
  return -1;
}

/**
 * The sum of n values: the kernel benchmark's memory-read baseline (a SIMD pass doing as little as
 * possible per value). Sixteen f32 lanes (four vectors) accumulate the blocks of 16 in order; then
 * the lanes 0..15 and the values past the last full block are added in f64, in index order.
 */
export function sumValues(values: usize, n: i32): f64 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = values + (<usize>i << 2);
    s0 = f32x4.add(s0, v128.load(p));
    s1 = f32x4.add(s1, v128.load(p, 16));
    s2 = f32x4.add(s2, v128.load(p, 32));
    s3 = f32x4.add(s3, v128.load(p, 48));
  }
  let total: f64 = 0;
  total = addLanes(total, s0);
  total = addLanes(total, s1);
  total = addLanes(total, s2);
  total = addLanes(total, s3);
  for (; i < n; i++) total += <f64>load<f32>(values + (<usize>i << 2));
  return total;
}

@inline
function addLanes(total: f64, v: v128): f64 {
  total += <f64>f32x4.extract_lane(v, 0);
  total += <f64>f32x4.extract_lane(v, 1);
  total += <f64>f32x4.extract_lane(v, 2);
  return total + <f64>f32x4.extract_lane(v, 3);
}
