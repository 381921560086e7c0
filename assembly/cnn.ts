// CNN training kernels that run on tfjs-backend-wasm's own heap: this file is compiled into a
// second module (build/cnn-heap.wasm) that imports the backend's memory instead of owning one,
// so tensors are read and written in place, with no copies (src/models/tfjs/kernels/heap.ts).
// The module must have no data segments or globals in memory: everything is a pointer argument.
// Addresses are byte pointers to f32 NHWC tensors; sizes are counted in elements.

// MaxPoolGrad for 2x2 windows with stride 2, no padding: each output gradient goes to the first
// maximum of its window in row-major order (strict >, as tfjs-backend-cpu; NaN never wins), the
// three other cells get +0. Cells in no window (an odd last row or column) are zeroed.
export function cnnMaxPoolGrad2x2(
  x: usize, dy: usize, dx: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
): void {
  if (outHeight * 2 < inHeight || outWidth * 2 < inWidth) memory.fill(dx, 0, <usize>batch * inHeight * inWidth * channels << 2);
  const c4 = channels & ~3;
  const cell = <usize>channels << 2;
  const rowStride = <usize>inWidth * cell;
  let g = dy;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      let p00 = (<usize>(b * inHeight + oh * 2)) * rowStride;
      for (let ow = 0; ow < outWidth; ow++, p00 += cell << 1) {
        const p01 = p00 + cell;
        const p10 = p00 + rowStride;
        const p11 = p10 + cell;
        let c = 0;
        for (; c < c4; c += 4, g += 16) {
          const o = <usize>c << 2;
          const v00 = v128.load(x + p00 + o), v01 = v128.load(x + p01 + o);
          const v10 = v128.load(x + p10 + o), v11 = v128.load(x + p11 + o);
          const gt01 = f32x4.gt(v01, v00);
          let m = v128.bitselect(v01, v00, gt01);
          const gt10 = f32x4.gt(v10, m);
          m = v128.bitselect(v10, m, gt10);
          const gt11 = f32x4.gt(v11, m);
          const pick11 = gt11;
          const pick10 = v128.andnot(gt10, gt11);
          const pick01 = v128.andnot(v128.andnot(gt01, gt10), gt11);
          const pick00 = v128.not(v128.or(v128.or(gt01, gt10), gt11));
          const grad = v128.load(g);
          v128.store(dx + p00 + o, v128.and(grad, pick00));
          v128.store(dx + p01 + o, v128.and(grad, pick01));
          v128.store(dx + p10 + o, v128.and(grad, pick10));
          v128.store(dx + p11 + o, v128.and(grad, pick11));
        }
        for (; c < channels; c++, g += 4) {
          const o = <usize>c << 2;
          let best = p00 + o;
          let max = load<f32>(x + best);
          if (load<f32>(x + p01 + o) > max) { best = p01 + o; max = load<f32>(x + best); }
          if (load<f32>(x + p10 + o) > max) { best = p10 + o; max = load<f32>(x + best); }
          if (load<f32>(x + p11 + o) > max) best = p11 + o;
          store<f32>(dx + p00 + o, 0);
          store<f32>(dx + p01 + o, 0);
          store<f32>(dx + p10 + o, 0);
          store<f32>(dx + p11 + o, 0);
          store<f32>(dx + best, load<f32>(g));
        }
      }
    }
  }
}

// col2im for a stride-1 convolution without padding: dx[b, oh+kh, ow+kw, ci] += col row
// (b, oh, ow) holding (kh, kw, ci) in that order; dx is zeroed first and the rows are added in
// order, one f32 add per element (so the order, and the bits, are the reference's).
export function cnnCol2im(
  col: usize, dx: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32, filterHeight: i32, filterWidth: i32,
): void {
  memory.fill(dx, 0, <usize>batch * inHeight * inWidth * channels << 2);
  const run = filterWidth * channels;
  const run4 = run & ~3;
  const rowStride = <usize>inWidth * channels << 2;
  let o = col;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        let i = dx + ((<usize>(b * inHeight + oh) * inWidth + ow) * channels << 2);
        for (let kh = 0; kh < filterHeight; kh++, i += rowStride) {
          let k = 0;
          for (; k < run4; k += 4, o += 16) {
            const at = i + (<usize>k << 2);
            v128.store(at, f32x4.add(v128.load(at), v128.load(o)));
          }
          for (; k < run; k++, o += 4) {
            const at = i + (<usize>k << 2);
            store<f32>(at, load<f32>(at) + load<f32>(o));
          }
        }
      }
    }
  }
}

// The filter gradient of a stride-1 convolution without padding, for few input channels (the
// first layer): dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh+kh, ow+kw, ci] * dy[b, oh, ow, co].
// Per output row (b, oh) and tap (kh, kw, ci), a partial sum over ow runs in f32 lanes (one lane
// per co, mul then add, both rounded: no FMA), then joins dW; rows in order. Taps go in pairs
// (kw, kw+1) sharing each dy load; pairing changes no tap's order of additions, so no bits.
// outChannels must be a multiple of 4.
export function cnnConvFilterGrad(
  x: usize, dy: usize, dw: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
  filterHeight: i32, filterWidth: i32, outChannels: i32,
): void {
  const taps = filterHeight * filterWidth * channels;
  memory.fill(dw, 0, <usize>taps * outChannels << 2);
  const xStep = <usize>channels << 2;
  const dyStep = <usize>outChannels << 2;
  const tapStride = <usize>outChannels << 2;
  const co16 = outChannels & ~15;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const dyRow = dy + ((<usize>(b * outHeight + oh) * outWidth * outChannels) << 2);
      for (let kh = 0; kh < filterHeight; kh++) {
        const xRow = x + ((<usize>(b * inHeight + oh + kh) * inWidth * channels) << 2);
        for (let ci = 0; ci < channels; ci++) {
          let kw = 0;
          for (; kw + 1 < filterWidth; kw += 2) {
            const x0 = xRow + ((<usize>(kw * channels + ci)) << 2);
            const out0 = dw + ((<usize>((kh * filterWidth + kw) * channels + ci) * outChannels) << 2);
            const out1 = out0 + <usize>channels * tapStride;
            for (let co = 0; co < co16; co += 16) {
              const at = <usize>co << 2;
              filterPair16(x0, x0 + xStep, xStep, dyRow + at, dyStep, out0 + at, out1 + at, outWidth);
            }
            filterTap(x0, xStep, dyRow, dyStep, out0, outWidth, co16, outChannels);
            filterTap(x0 + xStep, xStep, dyRow, dyStep, out1, outWidth, co16, outChannels);
          }
          if (kw < filterWidth) {
            const x0 = xRow + ((<usize>(kw * channels + ci)) << 2);
            const out0 = dw + ((<usize>((kh * filterWidth + kw) * channels + ci) * outChannels) << 2);
            filterTap(x0, xStep, dyRow, dyStep, out0, outWidth, 0, outChannels);
          }
        }
      }
    }
  }
}

/** One tap, output channels from..to in blocks of 4. */
@inline
function filterTap(x0: usize, xStep: usize, dyRow: usize, dyStep: usize, out: usize, outWidth: i32, from: i32, to: i32): void {
  for (let co = from; co < to; co += 4) {
    let acc = f32x4.splat(0);
    let xi = x0;
    let g = dyRow + (<usize>co << 2);
    for (let ow = 0; ow < outWidth; ow++, xi += xStep, g += dyStep) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(xi)), v128.load(g)));
    const at = out + (<usize>co << 2);
    v128.store(at, f32x4.add(v128.load(at), acc));
  }
}

/** Two taps (x0 and x1 one step apart), 16 output channels: 8 accumulators, 4 dy loads per ow. */
@inline
function filterPair16(x0: usize, x1: usize, xStep: usize, g: usize, dyStep: usize, out0: usize, out1: usize, outWidth: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let ow = 0; ow < outWidth; ow++, x0 += xStep, x1 += xStep, g += dyStep) {
    const u = f32x4.splat(load<f32>(x0));
    const v = f32x4.splat(load<f32>(x1));
    const d0 = v128.load(g), d1 = v128.load(g, 16), d2 = v128.load(g, 32), d3 = v128.load(g, 48);
    a0 = f32x4.add(a0, f32x4.mul(u, d0));
    b0 = f32x4.add(b0, f32x4.mul(v, d0));
    a1 = f32x4.add(a1, f32x4.mul(u, d1));
    b1 = f32x4.add(b1, f32x4.mul(v, d1));
    a2 = f32x4.add(a2, f32x4.mul(u, d2));
    b2 = f32x4.add(b2, f32x4.mul(v, d2));
    a3 = f32x4.add(a3, f32x4.mul(u, d3));
    b3 = f32x4.add(b3, f32x4.mul(v, d3));
  }
  v128.store(out0, f32x4.add(v128.load(out0), a0));
  v128.store(out0, f32x4.add(v128.load(out0, 16), a1), 16);
  v128.store(out0, f32x4.add(v128.load(out0, 32), a2), 32);
  v128.store(out0, f32x4.add(v128.load(out0, 48), a3), 48);
  v128.store(out1, f32x4.add(v128.load(out1), b0));
  v128.store(out1, f32x4.add(v128.load(out1, 16), b1), 16);
  v128.store(out1, f32x4.add(v128.load(out1, 32), b2), 32);
  v128.store(out1, f32x4.add(v128.load(out1, 48), b3), 48);
}

// The next two kernels skip the zeros of the output gradient dy. Behind a 2x2 max-pool at most
// one cell in four of dy is not zero (the pool's gradient goes to each window's maximum), and
// behind a ReLU about half of those are zero too, so they do a quarter to an eighth of a dense
// kernel's multiply-adds. Each non-zero dy[b, oh, ow, co] = g adds g times one patch: a stride-1
// unpadded convolution's patch is filterHeight runs of filterWidth * channels contiguous floats
// (in x, in dx, and in a filter laid out [co][kh][kw][ci]), so every add is a SIMD axpy.
// Order: positions (b, oh, ow) in order, then co ascending, then kh: each sum is added to in
// that order, one rounded f32 product and one rounded f32 add per term (no FMA). A zero g (+0 or
// -0) is skipped: where the dense sum would add 0 * x, these add nothing (so a NaN or infinite x
// under a zero gradient does not reach the result).

/** How many of the n floats at p are not zero (+0 and -0 are zero; NaN is not). */
export function cnnCountNonZero(p: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let count = 0;
  let k = 0;
  for (; k + 4 <= n; k += 4, p += 16) count += <i32>popcnt(i32x4.bitmask(f32x4.ne(v128.load(p), zero)));
  for (; k < n; k++, p += 4) if (load<f32>(p) != 0) count++;
  return count;
}

/** acc[0..n) += g * src[0..n), four lanes a step then one at a time. */
@inline
function axpy(acc: usize, src: usize, g: f32, n: i32): void {
  const gv = f32x4.splat(g);
  let k = 0;
  for (; k + 16 <= n; k += 16, acc += 64, src += 64) {
    v128.store(acc, f32x4.add(v128.load(acc), f32x4.mul(gv, v128.load(src))));
    v128.store(acc, f32x4.add(v128.load(acc, 16), f32x4.mul(gv, v128.load(src, 16))), 16);
    v128.store(acc, f32x4.add(v128.load(acc, 32), f32x4.mul(gv, v128.load(src, 32))), 32);
    v128.store(acc, f32x4.add(v128.load(acc, 48), f32x4.mul(gv, v128.load(src, 48))), 48);
  }
  for (; k + 4 <= n; k += 4, acc += 16, src += 16) v128.store(acc, f32x4.add(v128.load(acc), f32x4.mul(gv, v128.load(src))));
  for (; k < n; k++, acc += 4, src += 4) store<f32>(acc, load<f32>(acc) + g * load<f32>(src));
}

/** out[j][i] = src[i][j] for a rows x cols matrix of f32. */
function transpose(src: usize, out: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(out + ((<usize>j * rows + i) << 2), load<f32>(src + ((<usize>i * cols + j) << 2)));
  }
}

/** Bit j set where row[co + j] is not zero (+0 and -0 are zero; NaN is not). */
@inline
function nonZeroMask4(row: usize, co: i32): i32 {
  return i32x4.bitmask(f32x4.ne(v128.load(row + (<usize>co << 2)), f32x4.splat(0)));
}


// The filter gradient, stride 1, no padding, any channel counts: dW[kh, kw, ci, co] = sum of
// x[b, oh+kh, ow+kw, ci] * dy[b, oh, ow, co], summed into scratch laid out [co][kh][kw][ci]
// (outChannels * filterHeight * filterWidth * channels floats), then transposed into dw.
export function cnnConvFilterGradSparse(
  x: usize, dy: usize, dw: usize, scratch: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
  filterHeight: i32, filterWidth: i32, outChannels: i32,
): void {
  const run = filterWidth * channels;
  const taps = filterHeight * run;
  memory.fill(scratch, 0, <usize>taps * outChannels << 2);
  const xRowStride = <usize>inWidth * channels << 2;
  const co4 = outChannels & ~3;
  let g = dy;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, g += <usize>outChannels << 2) {
        const patch = x + ((<usize>(b * inHeight + oh) * inWidth + ow) * channels << 2);
        let co = 0;
        for (; co < co4; co += 4) {
          let mask = nonZeroMask4(g, co);
          while (mask) {
            const c = co + ctz(mask);
            mask &= mask - 1;
            const gc = load<f32>(g + (<usize>c << 2));
            let acc = scratch + (<usize>c * taps << 2);
            let src = patch;
            for (let kh = 0; kh < filterHeight; kh++, acc += <usize>run << 2, src += xRowStride) axpy(acc, src, gc, run);
          }
        }
        for (; co < outChannels; co++) {
          const gc = load<f32>(g + (<usize>co << 2));
          if (gc == 0) continue;
          let acc = scratch + (<usize>co * taps << 2);
          let src = patch;
          for (let kh = 0; kh < filterHeight; kh++, acc += <usize>run << 2, src += xRowStride) axpy(acc, src, gc, run);
        }
      }
    }
  }
  transpose(scratch, dw, outChannels, taps);
}

// The input gradient, stride 1, no padding: dx[b, oh+kh, ow+kw, ci] += dy[b, oh, ow, co] *
// W[kh, kw, ci, co], with W first transposed into scratch laid out [co][kh][kw][ci]
// (outChannels * filterHeight * filterWidth * channels floats); dx is zeroed first.
export function cnnConvInputGradSparse(
  dy: usize, w: usize, dx: usize, scratch: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
  filterHeight: i32, filterWidth: i32, outChannels: i32,
): void {
  const run = filterWidth * channels;
  const taps = filterHeight * run;
  transpose(w, scratch, taps, outChannels);
  memory.fill(dx, 0, <usize>batch * inHeight * inWidth * channels << 2);
  const dxRowStride = <usize>inWidth * channels << 2;
  const co4 = outChannels & ~3;
  let g = dy;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, g += <usize>outChannels << 2) {
        const patch = dx + ((<usize>(b * inHeight + oh) * inWidth + ow) * channels << 2);
        let co = 0;
        for (; co < co4; co += 4) {
          let mask = nonZeroMask4(g, co);
          while (mask) {
            const c = co + ctz(mask);
            mask &= mask - 1;
            const gc = load<f32>(g + (<usize>c << 2));
            let src = scratch + (<usize>c * taps << 2);
            let acc = patch;
            for (let kh = 0; kh < filterHeight; kh++, acc += dxRowStride, src += <usize>run << 2) axpy(acc, src, gc, run);
          }
        }
        for (; co < outChannels; co++) {
          const gc = load<f32>(g + (<usize>co << 2));
          if (gc == 0) continue;
          let src = scratch + (<usize>co * taps << 2);
          let acc = patch;
          for (let kh = 0; kh < filterHeight; kh++, acc += dxRowStride, src += <usize>run << 2) axpy(acc, src, gc, run);
        }
      }
    }
  }
}

/** Positions listed per block by cnnConvFilterGradLists (their dy rows, 128 bytes each for 32
 *  channels, stay in L1 while each co's list takes its values from them). */
const FILL_BLOCK = 256;

/** A vector of the floats at p, lanes from `avail` on zero (avail < 4: p is near x's end). */
@inline
function loadUpTo(p: usize, avail: isize): v128 {
  if (avail >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (avail > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (avail > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (avail > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// The filter gradient skipping dy's zeros for short patch rows (filterWidth * channels <= 16: a
// first layer, 5x5 on 1 or 3 channels), with the sums in registers: dy's non-zeros are first
// listed per co (a counting sort without branches: positions stay in order), then for each co and each kh, up to 16
// floats of dW (rounded up to whole vectors) are summed over the co's list, four lanes a step,
// and written out. Each sum adds the same rounded products in the same order as
// cnnConvFilterGradSparse (positions in order), so the bits are the same. A row's last vector may
// read up to 3 floats past the row (the next pixels of x) into lanes never written out; a list's
// last entries, whose rows end within a vector of x's end, load those lanes as zeros instead.
// scratch: outChannels + 2 * (nonZero + outChannels) + 16 + FILL_BLOCK words; nonZero = the
// number of dy's values not zero.
export function cnnConvFilterGradLists(
  x: usize, dy: usize, dw: usize, scratch: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
  filterHeight: i32, filterWidth: i32, outChannels: i32, nonZero: i32,
): void {
  const run = filterWidth * channels;
  const cursors = scratch;
  const offsets = cursors + (<usize>outChannels << 2);
  const slots = nonZero + outChannels;
  const values = offsets + (<usize>slots << 2);
  const lanes = values + (<usize>slots << 2);
  const blockPatches = lanes + 64;
  const positions = batch * outHeight * outWidth;
  const co4 = outChannels & ~3;
  // Count per co (four lanes a step: a true lane of f32x4.ne is -1), then turn the counts into
  // each co's first slot, one spare slot after each list.
  memory.fill(cursors, 0, <usize>outChannels << 2);
  let g = dy;
  for (let p = 0; p < positions; p++, g += <usize>outChannels << 2) {
    let co = 0;
    for (; co < co4; co += 4) {
      const at = cursors + (<usize>co << 2);
      v128.store(at, i32x4.sub(v128.load(at), f32x4.ne(v128.load(g + (<usize>co << 2)), f32x4.splat(0))));
    }
    for (; co < outChannels; co++) {
      const at = cursors + (<usize>co << 2);
      store<i32>(at, load<i32>(at) + <i32>(load<f32>(g + (<usize>co << 2)) != 0));
    }
  }
  let total = 0;
  for (let co = 0; co < outChannels; co++) {
    const at = cursors + (<usize>co << 2);
    const count = load<i32>(at);
    store<i32>(at, total);
    total += count + 1;
  }
  // Fill the lists without branches, a block of positions at a time (its dy rows stay in cache)
  // and one co at a time (its cursor stays in a register): every value is written to its co's
  // next slot, which moves on only past a value not zero (a zero's entry is overwritten, or left
  // in the spare slot). blockPatches holds the block's patch offsets in x.
  for (let p0 = 0; p0 < positions; p0 += FILL_BLOCK) {
    const n = min(FILL_BLOCK, positions - p0);
    for (let i = 0; i < n; i++) {
      const p = p0 + i;
      const ow = p % outWidth;
      const row = p / outWidth; // b * outHeight + oh
      const b = row / outHeight;
      store<i32>(blockPatches + (<usize>i << 2), ((row + b * (inHeight - outHeight)) * inWidth + ow) * channels << 2);
    }
    for (let co = 0; co < outChannels; co++) {
      const at = cursors + (<usize>co << 2);
      let slot = load<i32>(at);
      let g = dy + ((<usize>p0 * outChannels + co) << 2);
      for (let i = 0; i < n; i++, g += <usize>outChannels << 2) {
        const v = load<f32>(g);
        store<i32>(offsets + (<usize>slot << 2), load<i32>(blockPatches + (<usize>i << 2)));
        store<f32>(values + (<usize>slot << 2), v);
        slot += <i32>(v != 0);
      }
      store<i32>(at, slot);
    }
  }
  // Each co's list is now [its first slot, cursors[co]); the next list starts one slot later.
  const xRowStride = <usize>inWidth * channels << 2;
  const xEnd = x + (<usize>batch * inHeight * inWidth * channels << 2);
  const vectors = (run + 3) >> 2;
  let first = 0;
  for (let co = 0; co < outChannels; co++) {
    const end = load<i32>(cursors + (<usize>co << 2));
    for (let kh = 0; kh < filterHeight; kh++) {
      const row = x + <usize>kh * xRowStride;
      // Entries whose row has a whole vector of x left run the loop without checks.
      const safe = <usize>(xEnd - row) - (<usize>vectors << 4);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let e = first;
      if (vectors <= 2) {
        for (; e < end; e++) {
          const off = <usize>load<u32>(offsets + (<usize>e << 2));
          if (off > safe) break;
          const gv = v128.load32_splat(values + (<usize>e << 2));
          const src = row + off;
          a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(src)));
          a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(src, 16)));
        }
      } else {
        for (; e < end; e++) {
          const off = <usize>load<u32>(offsets + (<usize>e << 2));
          if (off > safe) break;
          const gv = v128.load32_splat(values + (<usize>e << 2));
          const src = row + off;
          a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(src)));
          a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(src, 16)));
          a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(src, 32)));
          a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(src, 48)));
        }
      }
      for (; e < end; e++) {
        const src = row + <usize>load<u32>(offsets + (<usize>e << 2));
        const gv = v128.load32_splat(values + (<usize>e << 2));
        const avail = <isize>(xEnd - src) >> 2;
        a0 = f32x4.add(a0, f32x4.mul(gv, loadUpTo(src, avail)));
        a1 = f32x4.add(a1, f32x4.mul(gv, loadUpTo(src + 16, avail - 4)));
        a2 = f32x4.add(a2, f32x4.mul(gv, loadUpTo(src + 32, avail - 8)));
        a3 = f32x4.add(a3, f32x4.mul(gv, loadUpTo(src + 48, avail - 12)));
      }
      v128.store(lanes, a0);
      v128.store(lanes, a1, 16);
      v128.store(lanes, a2, 32);
      v128.store(lanes, a3, 48);
      for (let k = 0; k < run; k++) store<f32>(dw + ((<usize>(kh * run + k) * outChannels + co) << 2), load<f32>(lanes + (<usize>k << 2)));
    }
    first = end + 1;
  }
}

// The forward convolution, stride 1, no padding: out[b, oh, ow, co] = sum over (kh, kw, ci) in
// that order of x[b, oh+kh, ow+kw, ci] * W[kh, kw, ci, co], from 0, one rounded product and one
// rounded add per term (no FMA). Two output pixels a step share each filter load, 16 output
// channels a block, in registers. outChannels must be a multiple of 16.
export function cnnConv2DDirect(
  x: usize, w: usize, out: usize,
  batch: i32, inHeight: i32, inWidth: i32, channels: i32, outHeight: i32, outWidth: i32,
  filterHeight: i32, filterWidth: i32, outChannels: i32,
): void {
  const run = filterWidth * channels;
  const xRowStride = <usize>inWidth * channels << 2;
  const pixel = <usize>channels << 2;
  const wStep = <usize>outChannels << 2;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const xRow = x + ((<usize>(b * inHeight + oh) * inWidth * channels) << 2);
      const outRow = out + ((<usize>(b * outHeight + oh) * outWidth * outChannels) << 2);
      for (let co = 0; co < outChannels; co += 16) {
        const w0 = w + (<usize>co << 2);
        let ow = 0;
        for (; ow + 1 < outWidth; ow += 2) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
          let wp = w0;
          let r = xRow + <usize>ow * pixel;
          for (let kh = 0; kh < filterHeight; kh++, r += xRowStride) {
            for (let k = 0; k < run; k++, wp += wStep) {
              const u = v128.load32_splat(r + (<usize>k << 2));
              const v = v128.load32_splat(r + pixel + (<usize>k << 2));
              const f0 = v128.load(wp), f1 = v128.load(wp, 16), f2 = v128.load(wp, 32), f3 = v128.load(wp, 48);
              a0 = f32x4.add(a0, f32x4.mul(u, f0));
              b0 = f32x4.add(b0, f32x4.mul(v, f0));
              a1 = f32x4.add(a1, f32x4.mul(u, f1));
              b1 = f32x4.add(b1, f32x4.mul(v, f1));
              a2 = f32x4.add(a2, f32x4.mul(u, f2));
              b2 = f32x4.add(b2, f32x4.mul(v, f2));
              a3 = f32x4.add(a3, f32x4.mul(u, f3));
              b3 = f32x4.add(b3, f32x4.mul(v, f3));
            }
          }
          const o = outRow + ((<usize>ow * outChannels + co) << 2);
          v128.store(o, a0);
          v128.store(o, a1, 16);
          v128.store(o, a2, 32);
          v128.store(o, a3, 48);
          const o1 = o + wStep;
          v128.store(o1, b0);
          v128.store(o1, b1, 16);
          v128.store(o1, b2, 32);
          v128.store(o1, b3, 48);
        }
        if (ow < outWidth) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let wp = w0;
          let r = xRow + <usize>ow * pixel;
          for (let kh = 0; kh < filterHeight; kh++, r += xRowStride) {
            for (let k = 0; k < run; k++, wp += wStep) {
              const u = v128.load32_splat(r + (<usize>k << 2));
              a0 = f32x4.add(a0, f32x4.mul(u, v128.load(wp)));
              a1 = f32x4.add(a1, f32x4.mul(u, v128.load(wp, 16)));
              a2 = f32x4.add(a2, f32x4.mul(u, v128.load(wp, 32)));
              a3 = f32x4.add(a3, f32x4.mul(u, v128.load(wp, 48)));
            }
          }
          const o = outRow + ((<usize>ow * outChannels + co) << 2);
          v128.store(o, a0);
          v128.store(o, a1, 16);
          v128.store(o, a2, 32);
          v128.store(o, a3, 48);
        }
      }
    }
  }
}
