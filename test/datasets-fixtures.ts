// Small files in the datasets' real formats, written by the tests (portable: no file system).

export async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  }).pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An IDX file of unsigned bytes with the given shape. */
export function idxFile(shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  out.set([0, 0, 0x08, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), 4 + 4 * shape.length);
  return out;
}

/** CIFAR binary records: label byte(s) then R, G, B planes; pixel p of channel c = (seed + 3p + c) mod 256. */
export function cifarFile(labels: readonly (readonly number[])[], seed = 0): Uint8Array {
  const recordBytes = labels[0]!.length + 3072;
  const out = new Uint8Array(labels.length * recordBytes);
  labels.forEach((lab, r) => {
    const at = r * recordBytes;
    out.set(lab, at);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[at + lab.length + c * 1024 + p] = (seed + r + 3 * p + c) % 256;
  });
  return out;
}

export const ADULT_DATA = [
  "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K",
  "50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, White, Male, 0, 0, 13, United-States, <=50K",
  "52, ?, 209642, HS-grad, 9, Married-civ-spouse, ?, Husband, White, Male, 0, 0, 45, ?, >50K",
  "",
].join("\n");

export const ADULT_TEST = [
  "|1x3 Cross validator",
  "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, Black, Male, 0, 0, 40, United-States, <=50K.",
  "38, Private, 89814, HS-grad, 9, Married-civ-spouse, Farming-fishing, Husband, White, Male, 0, 0, 50, United-States, >50K.",
  "",
].join("\n");
