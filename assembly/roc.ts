// Score sorting and ROC sweeps. Scores (f32 or f64, finite: the wrapper checks) become sortable u64
// keys: the IEEE bits with the sign bit flipped for non-negative numbers and every bit flipped for
// negative ones, so unsigned key order is numeric order. An LSD radix sort (11-bit digits, passes
// whose digit is the same for every key skipped: f32 scores need only 4 of the 6) orders the keys
// and carries each score's member flag along.

const RADIX_BITS: u64 = 11;
const BUCKETS: i32 = 1 << <i32>RADIX_BITS;
const PASSES: i32 = 6; // 6 x 11 bits cover 64

@inline
function scoreKey(x: f64): u64 {
  // + 0.0 turns -0 into +0, so the two zeros tie, as numpy's comparisons treat them.
  const bits = reinterpret<u64>(x + 0.0);
  return bits ^ (<u64>(<i64>bits >> 63) | 0x8000000000000000);
}

@inline
function keyScore(key: u64): f64 {
  return reinterpret<f64>(key ^ ((key >> 63) != 0 ? <u64>0x8000000000000000 : <u64>0xffffffffffffffff));
}

@inline
function loadScore(scores: usize, scoresAreF64: bool, i: i32): f64 {
  return scoresAreF64 ? load<f64>(scores + (<usize>i << 3)) : <f64>load<f32>(scores + (<usize>i << 2));
}

/** Bytes of work memory radixSortKeys needs for n keys (two key arrays, two flag arrays, histograms). */
export function sortWorkBytes(n: i32): usize {
  return ((<usize>n * 18 + 15) & ~15) + <usize>(PASSES * BUCKETS * 4);
}

/**
 * Sorts n keys ascending. Keys start at work (work + 8n is the second buffer); flags, if carried,
 * start at work + 16n (second buffer at work + 17n). Returns the address of the sorted keys; their
 * flags are in the first flag buffer when that is work, else in the second.
 */
function radixSortKeys(work: usize, n: i32, withFlags: bool): usize {
  const keysA = work;
  const keysB = work + (<usize>n << 3);
  const flagsA = work + (<usize>n << 4);
  const flagsB = flagsA + <usize>n;
  const hist = (work + <usize>n * 18 + 15) & ~15;
  memory.fill(hist, 0, <usize>(PASSES * BUCKETS * 4));
  for (let i = 0; i < n; i++) {
    const key = load<u64>(keysA + (<usize>i << 3));
    for (let p = 0; p < PASSES; p++) {
      const at = hist + ((<usize>(p * BUCKETS) + <usize>((key >> (<u64>p * RADIX_BITS)) & <u64>(BUCKETS - 1))) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
  }
  let srcKeys = keysA, dstKeys = keysB, srcFlags = flagsA, dstFlags = flagsB;
  const first = load<u64>(keysA);
  for (let p = 0; p < PASSES; p++) {
    const shift = <u64>p * RADIX_BITS;
    const h = hist + (<usize>(p * BUCKETS) << 2);
    // Every key has the same digit here: this pass would not move anything.
    if (load<u32>(h + (<usize>((first >> shift) & <u64>(BUCKETS - 1)) << 2)) == <u32>n) continue;
    let sum: u32 = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const count = load<u32>(h + (<usize>b << 2));
      store<u32>(h + (<usize>b << 2), sum);
      sum += count;
    }
    for (let i = 0; i < n; i++) {
      const key = load<u64>(srcKeys + (<usize>i << 3));
      const at = h + (<usize>((key >> shift) & <u64>(BUCKETS - 1)) << 2);
      const pos = load<u32>(at);
      store<u32>(at, pos + 1);
      store<u64>(dstKeys + (<usize>pos << 3), key);
      if (withFlags) store<u8>(dstFlags + <usize>pos, load<u8>(srcFlags + <usize>i));
    }
    const tk = srcKeys;
    srcKeys = dstKeys;
    dstKeys = tk;
    const tf = srcFlags;
    srcFlags = dstFlags;
    dstFlags = tf;
  }
  return srcKeys;
}

/**
 * The ROC sweep. Sorts (score, member) pairs and walks them from the highest score down, writing one
 * entry per distinct score: the score (threshold), and the cumulative member (tp) and non-member (fp)
 * counts at that threshold, i.e. scikit-learn's _binary_clf_curve. Returns the number of entries.
 */
export function rocSweep(
  scores: usize,
  scoresAreF64: bool,
  members: usize,
  n: i32,
  work: usize,
  thresholdsOut: usize,
  tpOut: usize,
  fpOut: usize,
): i32 {
  const flagsA = work + (<usize>n << 4);
  for (let i = 0; i < n; i++) {
    store<u64>(work + (<usize>i << 3), scoreKey(loadScore(scores, scoresAreF64, i)));
  }
  memory.copy(flagsA, members, <usize>n);
  const keys = radixSortKeys(work, n, true);
  const flags = keys == work ? flagsA : flagsA + <usize>n;
  let tp: u32 = 0;
  let fp: u32 = 0;
  let groups = 0;
  for (let i = n - 1; i >= 0; i--) {
    const key = load<u64>(keys + (<usize>i << 3));
    const member = <u32>load<u8>(flags + <usize>i);
    tp += member;
    fp += 1 - member;
    if (i == 0 || load<u64>(keys + (<usize>(i - 1) << 3)) != key) {
      store<f64>(thresholdsOut + (<usize>groups << 3), keyScore(key));
      store<u32>(tpOut + (<usize>groups << 2), tp);
      store<u32>(fpOut + (<usize>groups << 2), fp);
      groups++;
    }
  }
  return groups;
}

/**
 * numpy.percentile(values, q) with the default "linear" method: sort, virtual index (n-1)*(q/100),
 * then numpy's _lerp (which interpolates from the upper neighbour when the fraction is >= 0.5).
 */
export function percentile(values: usize, valuesAreF64: bool, n: i32, work: usize, q: f64): f64 {
  for (let i = 0; i < n; i++) {
    store<u64>(work + (<usize>i << 3), scoreKey(loadScore(values, valuesAreF64, i)));
  }
  const keys = radixSortKeys(work, n, false);
  const virtual = <f64>(n - 1) * (q / 100);
  const below = <i32>Math.floor(virtual);
  const lo = min(max(below, 0), n - 1);
  const hi = min(max(below + 1, 0), n - 1);
  const t = virtual - <f64>below;
  const a = keyScore(load<u64>(keys + (<usize>lo << 3)));
  const b = keyScore(load<u64>(keys + (<usize>hi << 3)));
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Counts at one threshold (predicted member when score >= threshold): out = [tp, fp, tn, fn]. */
export function confusionCounts(scores: usize, scoresAreF64: bool, members: usize, n: i32, threshold: f64, out: usize): void {
  let tp: u32 = 0, fp: u32 = 0, tn: u32 = 0, fn: u32 = 0;
  for (let i = 0; i < n; i++) {
    const predicted = loadScore(scores, scoresAreF64, i) >= threshold;
    const member = load<u8>(members + <usize>i) != 0;
    if (predicted) {
      if (member) tp++;
      else fp++;
    } else if (member) fn++;
    else tn++;
  }
  store<u32>(out, tp);
  store<u32>(out, fp, 4);
  store<u32>(out, tn, 8);
  store<u32>(out, fn, 12);
}

/**
 * DeLong's AUC and its variance from a ROC sweep's grouped counts (rocSweep's tpOut/fpOut, highest
 * score first). Every member of a group has the same structural component V10 (the share of
 * non-members it beats, ties counting one half) and every non-member the same V01 (the share of
 * members that beat it), so the sums run over groups, not records. out = [auc, variance]; the
 * variance is NaN with fewer than two members or two non-members (its sample variances need both).
 */
export function aucVariance(tp: usize, fp: usize, groups: i32, positives: i32, negatives: i32, out: usize): void {
  const p = <f64>positives;
  const q = <f64>negatives;
  let wins: f64 = 0;
  let tpBefore: u32 = 0, fpBefore: u32 = 0;
  for (let g = 0; g < groups; g++) {
    const tpHere = load<u32>(tp + (<usize>g << 2));
    const fpHere = load<u32>(fp + (<usize>g << 2));
    wins += <f64>(tpHere - tpBefore) * (<f64>(<u32>negatives - fpHere) + 0.5 * <f64>(fpHere - fpBefore));
    tpBefore = tpHere;
    fpBefore = fpHere;
  }
  const auc = wins / (p * q);
  let s10: f64 = 0, s01: f64 = 0;
  tpBefore = 0;
  fpBefore = 0;
  for (let g = 0; g < groups; g++) {
    const tpHere = load<u32>(tp + (<usize>g << 2));
    const fpHere = load<u32>(fp + (<usize>g << 2));
    const a = <f64>(tpHere - tpBefore);
    const b = <f64>(fpHere - fpBefore);
    const v10 = (<f64>(<u32>negatives - fpHere) + 0.5 * b) / q - auc;
    const v01 = (<f64>tpBefore + 0.5 * a) / p - auc;
    s10 += a * v10 * v10;
    s01 += b * v01 * v01;
    tpBefore = tpHere;
    fpBefore = fpHere;
  }
  store<f64>(out, auc);
  store<f64>(out, positives > 1 && negatives > 1 ? s10 / (p - 1) / p + s01 / (q - 1) / q : NaN, 8);
}
