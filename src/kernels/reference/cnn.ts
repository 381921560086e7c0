// Plain TypeScript references for assembly/cnn.ts (the CNN kernels that run on tfjs-backend-wasm's
// heap); test/kernels-cnn.test.ts holds the two bit-equal. Arrays are f32 NHWC; offsets count floats.

export interface PoolShape {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** MaxPoolGrad, 2x2 windows, stride 2, no padding: each gradient to the first maximum of its
 *  window in row-major order (strict >, as tfjs-backend-cpu), every other cell 0. */
export function maxPoolGrad2x2(x: Float32Array, dy: Float32Array, dx: Float32Array, shape: PoolShape): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth } = shape;
  dx.fill(0);
  const rowStride = inWidth * channels;
  let dyAt = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      let p00 = (b * inHeight + oh * 2) * rowStride;
      for (let ow = 0; ow < outWidth; ow++, p00 += 2 * channels) {
        const p01 = p00 + channels;
        const p10 = p00 + rowStride;
        const p11 = p10 + channels;
        for (let c = 0; c < channels; c++, dyAt++) {
          let best = p00 + c;
          let max = x[best]!;
          if (x[p01 + c]! > max) (best = p01 + c), (max = x[best]!);
          if (x[p10 + c]! > max) (best = p10 + c), (max = x[best]!);
          if (x[p11 + c]! > max) best = p11 + c;
          dx[best] = dy[dyAt]!;
        }
      }
    }
  }
}

/** A convolution's maps have a pooling's fields (input and output map sizes), plus its filter's. */
export interface ConvShape extends PoolShape {
  readonly filterHeight: number;
  readonly filterWidth: number;
}

/** col2im, stride 1, no padding: dx[b, oh+kh, ow+kw, ci] += col row (b, oh, ow), entries in
 *  (kh, kw, ci) order, rows added in order, one f32 add each; dx zeroed first. */
export function col2im(col: Float32Array, dx: Float32Array, shape: ConvShape): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth } = shape;
  dx.fill(0);
  const run = filterWidth * channels;
  const rowStride = inWidth * channels;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        let i = ((b * inHeight + oh) * inWidth + ow) * channels;
        for (let kh = 0; kh < filterHeight; kh++, i += rowStride) {
          for (let k = 0; k < run; k++) dx[i + k] = Math.fround(dx[i + k]! + col[o++]!);
        }
      }
    }
  }
}

/** The filter gradient, stride 1, no padding: dW[kh, kw, ci, co] = sum of x[b, oh+kh, ow+kw, ci] *
 *  dy[b, oh, ow, co], as assembly/cnn.ts sums it: per output row (b, oh), a partial sum over ow in
 *  f32 (product rounded, then sum rounded), added to dW; rows in order. */
export function convFilterGrad(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: ConvShape & { readonly outChannels: number }): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth, outChannels } = shape;
  dw.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const dyRow = (b * outHeight + oh) * outWidth * outChannels;
      for (let kh = 0; kh < filterHeight; kh++) {
        const xRow = (b * inHeight + oh + kh) * inWidth * channels;
        for (let kw = 0; kw < filterWidth; kw++) {
          for (let ci = 0; ci < channels; ci++) {
            const out = ((kh * filterWidth + kw) * channels + ci) * outChannels;
            for (let co = 0; co < outChannels; co++) {
              let partial = 0;
              for (let ow = 0; ow < outWidth; ow++) {
                const product = Math.fround(x[xRow + (ow + kw) * channels + ci]! * dy[dyRow + ow * outChannels + co]!);
                partial = Math.fround(partial + product);
              }
              dw[out + co] = Math.fround(dw[out + co]! + partial);
            }
          }
        }
      }
    }
  }
}

/** The filter gradient, stride 1, no padding, skipping dy's zeros, as assembly/cnn.ts sums it:
 *  for each position (b, oh, ow) in order and each co with g = dy[b, oh, ow, co] not zero (+0 and
 *  -0 skipped), dW[kh, kw, ci, co] += g * x[b, oh+kh, ow+kw, ci] (product rounded, then sum). */
export function convFilterGradSparse(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: ConvShape & { readonly outChannels: number }): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth, outChannels } = shape;
  dw.fill(0);
  let g = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, g += outChannels) {
        for (let co = 0; co < outChannels; co++) {
          const gc = dy[g + co]!;
          if (gc === 0) continue;
          for (let kh = 0; kh < filterHeight; kh++) {
            for (let kw = 0; kw < filterWidth; kw++) {
              for (let ci = 0; ci < channels; ci++) {
                const at = ((kh * filterWidth + kw) * channels + ci) * outChannels + co;
                dw[at] = Math.fround(dw[at]! + Math.fround(gc * x[((b * inHeight + oh + kh) * inWidth + ow + kw) * channels + ci]!));
              }
            }
          }
        }
      }
    }
  }
}

/** The input gradient, stride 1, no padding, skipping dy's zeros, as assembly/cnn.ts sums it: for
 *  each position (b, oh, ow) in order and each co with g = dy[b, oh, ow, co] not zero,
 *  dx[b, oh+kh, ow+kw, ci] += g * W[kh, kw, ci, co] (product rounded, then sum); dx zeroed first. */
export function convInputGradSparse(dy: Float32Array, w: Float32Array, dx: Float32Array, shape: ConvShape & { readonly outChannels: number }): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth, outChannels } = shape;
  dx.fill(0);
  let g = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, g += outChannels) {
        for (let co = 0; co < outChannels; co++) {
          const gc = dy[g + co]!;
          if (gc === 0) continue;
          for (let kh = 0; kh < filterHeight; kh++) {
            for (let kw = 0; kw < filterWidth; kw++) {
              for (let ci = 0; ci < channels; ci++) {
                const at = ((b * inHeight + oh + kh) * inWidth + ow + kw) * channels + ci;
                dx[at] = Math.fround(dx[at]! + Math.fround(gc * w[((kh * filterWidth + kw) * channels + ci) * outChannels + co]!));
              }
            }
          }
        }
      }
    }
  }
}

/** The forward convolution, stride 1, no padding, as assembly/cnn.ts sums it: each output from 0,
 *  terms in (kh, kw, ci) order, product rounded, then sum. */
export function conv2dDirect(x: Float32Array, w: Float32Array, out: Float32Array, shape: ConvShape & { readonly outChannels: number }): void {
  const { batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth, outChannels } = shape;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let co = 0; co < outChannels; co++) {
          let sum = 0;
          for (let kh = 0; kh < filterHeight; kh++) {
            for (let kw = 0; kw < filterWidth; kw++) {
              for (let ci = 0; ci < channels; ci++) {
                const product = Math.fround(x[((b * inHeight + oh + kh) * inWidth + ow + kw) * channels + ci]! * w[((kh * filterWidth + kw) * channels + ci) * outChannels + co]!);
                sum = Math.fround(sum + product);
              }
            }
          }
          out[((b * outHeight + oh) * outWidth + ow) * outChannels + co] = sum;
        }
      }
    }
  }
}
