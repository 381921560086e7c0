// Hostile dataset files: a crafted label that would size billions of classes, and a gzip bomb
// behind a small IDX header, each end in a named error at the cost of the real data, not an OOM.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DatasetFormatError, encodeNpy, loadDataset, memorySource } from "../src/datasets/index.js";
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

hostile.run();
