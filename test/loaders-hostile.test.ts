// Hostile dataset files: a crafted label that would size billions of classes, and a gzip bomb
// behind a small IDX header, each end in a named error at the cost of the real data, not an OOM.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DatasetFormatError, encodeNpy, gunzip, loadDataset, memorySource } from "../src/datasets/index.js";
import { decodeUtf8, MAX_TEXT_BYTES } from "../src/records/text.js";
import { MAX_CLASSES } from "../src/datasets/errors.js";
import { toLabeledData } from "../src/records/read.js";
import { gzipBytes, idxFile } from "./datasets-fixtures.js";

const hostile = suite("loaders: hostile files");

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, DatasetFormatError, `not a DatasetFormatError: ${String(error)}`);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

hostile("an LFW label of 2147483647 is refused by name, not turned into 2^31 classes", async () => {
  const source = memorySource({
    "lfw_images.npy": encodeNpy(new Float32Array(3 * 2 * 2), [3, 2, 2]),
    "lfw_labels.npy": encodeNpy(Int32Array.of(0, 2147483647, 1), [3]),
  });
  await rejects(loadDataset("lfw", { source }), new RegExp(`^memory:lfw_labels\\.npy: element 1: label 2147483647 would mean 2147483648 classes, more than the limit of ${MAX_CLASSES}`));
});

hostile("records' labels become a class count only under the limit", () => {
  const table = { file: "y.csv", features: new Float32Array(2), recordShape: [1], labels: Int32Array.of(1, 2147483647), rows: 2 };
  assert.throws(() => toLabeledData(table as unknown as Parameters<typeof toLabeledData>[0]), /y\.csv: record 1: label 2147483647 would mean/);
});

hostile("a gzip bomb behind a 2-image IDX header stops at the size the header implies", async () => {
  // 2 x 1 x 1 images declared, then 16 MB of zeros: the header says 18 bytes, the data runs on.
  const bomb = new Uint8Array(16 * 1024 * 1024);
  bomb.set(idxFile([2, 1, 1], [0, 0]));
  const source = memorySource({
    "t10k-images-idx3-ubyte.gz": await gzipBytes(bomb),
    "t10k-labels-idx1-ubyte.gz": await gzipBytes(idxFile([2], [1, 2])),
  });
  await rejects(loadDataset("fashion-mnist", { source }), /^memory:t10k-images-idx3-ubyte\.gz: gzip data expands beyond the 18 bytes its header implies/);
});

hostile("a gzipped IDX file with a wrong magic number fails from its first bytes", async () => {
  const source = memorySource({
    "t10k-images-idx3-ubyte.gz": await gzipBytes(new Uint8Array(1024 * 1024).fill(7)),
    "t10k-labels-idx1-ubyte.gz": await gzipBytes(idxFile([2], [1, 2])),
  });
  await rejects(loadDataset("fashion-mnist", { source }), /^memory:t10k-images-idx3-ubyte\.gz: byte 0: expected an IDX magic number/);
});

hostile("a valid multi-member gzip is accepted; cut short or with a wrong member trailer it is not", async () => {
  const first = await gzipBytes(new TextEncoder().encode("hello, "));
  const second = await gzipBytes(new TextEncoder().encode("world"));
  const both = new Uint8Array([...first, ...second]);
  assert.is(new TextDecoder().decode(await gunzip(both, "ab.gz")), "hello, world");
  await rejects(gunzip(both.subarray(0, both.length - 2), "cut.gz"), /^cut\.gz: .*corrupt gzip/);
  const badTrailer = both.slice();
  badTrailer[first.length - 1] ^= 1; // the first member's stated size
  await rejects(gunzip(badTrailer, "bad.gz"), /^bad\.gz: .*corrupt gzip/);
});

hostile("text past the longest JavaScript string gets an accurate message, not 'not valid UTF-8'", () => {
  // Zero-filled: the pages are never touched, so this costs no real memory.
  const big = new Uint8Array(MAX_TEXT_BYTES + 1);
  assert.throws(() => decodeUtf8(big, "big.csv"), /^big\.csv: 536870889 bytes of text, more than one JavaScript string holds \(536870888 bytes, about 512 MB\)/);
  assert.throws(() => decodeUtf8(Uint8Array.of(0xff), "bad.csv"), /not valid UTF-8/);
});

hostile.run();
