// Per-row features of posterior matrices, backed by assembly/posteriors.ts. Each function checks its
// input (shape, probabilities, labels) and names the argument at fault; the plain TypeScript twins
// are in reference/posteriors.ts.
import type { Posteriors } from "../types.js";
import { kernels, reserve, reservedAddress, scratch, type KernelExports } from "./wasm.js";

/** How far a row's sum may be from 1 (float32 softmax over thousands of classes stays well inside). */
export const ROW_SUM_TOLERANCE = 1e-3;

/** Posteriors stored in wasm memory: the kernels read them in place, with no copy. */
export interface WasmPosteriors extends Posteriors {
  /** Frees the memory; the object is unusable afterwards. */
  release(): void;
}

/**
 * Room for rows x classes posteriors inside wasm memory, zero-filled. Write into `values` (a model's
 * output batch by batch, say) and pass the object to any kernel here: it skips the copy the plain
 * API makes, which for 1,000,000 x 100 posteriors is 400 MB. Read `values` afresh after each kernel
 * call (a kernel may grow wasm memory, which detaches earlier views); release() when done.
 */
export function allocatePosteriors(rows: number, classes: number): WasmPosteriors {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`allocatePosteriors: rows must be a positive integer, got ${String(rows)}`);
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`allocatePosteriors: classes must be a positive integer, got ${String(classes)}`);
  }
  const length = rows * classes;
  const region = reserve(length * 4);
  const memory = kernels().memory;
  new Uint8Array(memory.buffer, region.address, length * 4).fill(0);
  let view = new Float32Array(memory.buffer, region.address, length);
  let released = false;
  return {
    rows,
    classes,
    get values(): Float32Array {
      if (released) throw new Error("these posteriors were released; allocate new ones");
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer, region.address, length);
      return view;
    },
    release() {
      if (!released) region.release();
      released = true;
    },
  };
}

/** The k largest posteriors of each row, each row's sorted descending: rows * k values. */
export function topK(p: Posteriors, k: number): Float32Array {
  checkPosteriors(p);
  if (!Number.isInteger(k) || k < 1 || k > p.classes) {
    throw new RangeError(`topK: k must be an integer from 1 to the number of classes (${p.classes}), got ${String(k)}`);
  }
  return runRowKernel(p, k, undefined, (w, values, _labels, out, work) =>
    w.topK(values, p.rows, p.classes, k, out, work, ROW_SUM_TOLERANCE),
  );
}

/** The largest posterior of each row (the confidence). */
export function maxPosterior(p: Posteriors): Float32Array {
  checkPosteriors(p);
  return runRowKernel(p, 1, undefined, (w, values, _labels, out) => w.maxPosterior(values, p.rows, p.classes, out, ROW_SUM_TOLERANCE));
}

/** Shannon entropy -sum p ln p of each row (0 ln 0 = 0); lower is more member-like. */
export function entropy(p: Posteriors): Float32Array {
  checkPosteriors(p);
  return runRowKernel(p, 1, undefined, (w, values, _labels, out) => w.entropy(values, p.rows, p.classes, out, ROW_SUM_TOLERANCE));
}

/**
 * Song & Mittal (2021) modified entropy of each row given its true label:
 * -(1 - p_y) ln p_y - sum_{c != y} p_c ln(1 - p_c), logarithm arguments clamped at 1e-30.
 * Lower is more member-like.
 */
export function modifiedEntropy(p: Posteriors, labels: Int32Array): Float32Array {
  checkPosteriors(p);
  checkLabels(p, labels);
  return runRowKernel(p, 1, labels, (w, values, at, out) => w.modifiedEntropy(values, at, p.rows, p.classes, out, ROW_SUM_TOLERANCE));
}

/** Cross-entropy loss -ln p[label] of each row, p clamped at 1e-30; lower is more member-like. */
export function crossEntropyLoss(p: Posteriors, labels: Int32Array): Float32Array {
  checkPosteriors(p);
  checkLabels(p, labels);
  return runRowKernel(p, 1, labels, (w, values, at, out) => w.crossEntropyLoss(values, at, p.rows, p.classes, out, ROW_SUM_TOLERANCE));
}

/** 1 where the row's argmax (lowest index on ties) equals its label, else 0. */
export function correctness(p: Posteriors, labels: Int32Array): Float32Array {
  checkPosteriors(p);
  checkLabels(p, labels);
  return runRowKernel(p, 1, labels, (w, values, at, out) => w.correctness(values, at, p.rows, p.classes, out, ROW_SUM_TOLERANCE));
}

/**
 * The sum of all values (16 f32 lanes, then f64; reference/posteriors.ts has its exact order): the
 * kernel benchmark's memory-read baseline, one SIMD pass over the same memory the kernels read.
 */
export function posteriorSum(p: Posteriors): number {
  checkPosteriors(p);
  const w = kernels();
  const inPlace = reservedAddress(p.values);
  const [copyAt] = scratch(inPlace === undefined ? p.values.byteLength : 0) as [number];
  if (inPlace === undefined) new Float32Array(w.memory.buffer, copyAt, p.values.length).set(p.values);
  return w.sumValues(inPlace ?? copyAt, p.values.length);
}

function checkPosteriors(p: Posteriors): void {
  if (p === null || typeof p !== "object") throw new TypeError(`posteriors must be an object {values, rows, classes}, got ${String(p)}`);
  const { values, rows, classes } = p;
  if (!(values instanceof Float32Array)) {
    throw new TypeError(`posteriors.values must be a Float32Array, got ${describe(values)}`);
  }
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`posteriors.rows must be a positive integer, got ${String(rows)}`);
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`posteriors.classes must be a positive integer, got ${String(classes)}`);
  }
  if (values.length !== rows * classes) {
    throw new RangeError(
      `posteriors.values has ${values.length} numbers, expected rows * classes = ${rows} * ${classes} = ${rows * classes}`,
    );
  }
}

function checkLabels(p: Posteriors, labels: Int32Array): void {
  if (!(labels instanceof Int32Array)) throw new TypeError(`labels must be an Int32Array, got ${describe(labels)}`);
  if (labels.length !== p.rows) {
    throw new RangeError(`labels has ${labels.length} entries, expected one per posterior row (${p.rows})`);
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= p.classes) {
      throw new RangeError(`labels[${i}] is ${label}, expected a class index from 0 to ${p.classes - 1}`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return value.constructor?.name ?? "object";
}

/**
 * Copies the posteriors (and labels) into wasm memory unless they are there already, runs one
 * kernel writing perRow floats per row (with `classes` floats of work memory), and returns a copy
 * of its output; a bad row becomes an error that says what is wrong with it.
 */
function runRowKernel(
  p: Posteriors,
  perRow: number,
  labels: Int32Array | undefined,
  call: (w: KernelExports, values: number, labels: number, out: number, work: number) => number,
): Float32Array {
  const w = kernels();
  const inPlace = reservedAddress(p.values);
  const [copyAt, labelsAt, out, work] = scratch(
    inPlace === undefined ? p.values.byteLength : 0,
    labels ? labels.byteLength : 0,
    p.rows * perRow * 4,
    p.classes * 4,
  ) as [number, number, number, number];
  const values = inPlace ?? copyAt;
  const buffer = w.memory.buffer;
  if (inPlace === undefined) new Float32Array(buffer, values, p.values.length).set(p.values);
  if (labels) new Int32Array(buffer, labelsAt, labels.length).set(labels);
  const badRow = call(w, values, labelsAt, out, work);
  if (badRow >= 0) throw new RangeError(describeBadRow(p, badRow));
  return new Float32Array(w.memory.buffer, out, p.rows * perRow).slice();
}


function describeBadRow(p: Posteriors, row: number): string {
  const start = row * p.classes;
  let sum = 0;
  for (let c = 0; c < p.classes; c++) {
    const x = p.values[start + c]!;
    if (!Number.isFinite(x) || x < 0) {
      return `posteriors row ${row}, class ${c} is ${x}: expected probabilities in [0, 1] (softmax outputs, not logits)`;
    }
    sum += x;
  }
  return `posteriors row ${row} sums to ${sum}, expected 1 (within ${ROW_SUM_TOLERANCE}): pass softmax probabilities, not logits`;
}
