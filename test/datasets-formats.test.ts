import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeNpy, loadDataset, memorySource, parseNpy, npyToInt32, npyToFloat32, featureCount } from "../src/datasets/index.js";
import { ADULT_FEATURES } from "../src/datasets/adult.js";
import { initKernels } from "../src/kernels/index.js";
import { ADULT_DATA, ADULT_TEST, cifarFile, gzipBytes, idxFile, text } from "./datasets-fixtures.js";

const formats = suite("datasets: real-format loaders on test-written files");
formats.before(async () => {
  await initKernels();
});

formats("IDX (MNIST layout): gzipped and plain files, train then t10k, pixels / 255", async () => {
  const trainImages = Array.from({ length: 3 * 4 * 2 }, (_, i) => i * 10);
  const files = {
    "train-images-idx3-ubyte.gz": await gzipBytes(idxFile([3, 4, 2], trainImages)),
    "train-labels-idx1-ubyte.gz": await gzipBytes(idxFile([3], [7, 0, 9])),
    "t10k-images-idx3-ubyte": idxFile([1, 4, 2], [255, 0, 0, 0, 0, 0, 0, 1]),
    "t10k-labels-idx1-ubyte": idxFile([1], [3]),
  };
  for (const name of ["mnist", "fashion-mnist-full"]) {
    const d = await loadDataset(name, { source: memorySource(files) });
    assert.equal([...d.recordShape], [4, 2, 1]);
    assert.equal(Array.from(d.labels), [7, 0, 9, 3]);
    assert.is(d.features.length, 32);
    assert.is(d.features[1], Math.fround(10 / 255));
    assert.is(d.features[24], 1);
    assert.is(d.features[31], Math.fround(1 / 255));
    assert.is(d.numClasses, 10);
  }
  const fashion = await loadDataset("fashion-mnist", { source: memorySource({ "t10k-images-idx3-ubyte.gz": files["train-images-idx3-ubyte.gz"], "t10k-labels-idx1-ubyte.gz": files["train-labels-idx1-ubyte.gz"] }) });
  assert.equal(Array.from(fashion.labels), [7, 0, 9]);
  assert.is(fashion.classNames[9], "Ankle boot");
});

formats("CIFAR-10 binary batches: five data batches then test_batch, planes to height x width x channel", async () => {
  const files: Record<string, Uint8Array> = { "cifar-10-batches-bin/batches.meta.txt": text("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n") };
  for (let b = 1; b <= 5; b++) files[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifarFile([[b], [b + 4]], b);
  files["cifar-10-batches-bin/test_batch.bin"] = cifarFile([[0]], 100);
  const d = await loadDataset("cifar10", { source: memorySource(files) });
  assert.is(d.labels.length, 11);
  assert.equal(Array.from(d.labels), [1, 5, 2, 6, 3, 7, 4, 8, 5, 9, 0]);
  assert.equal([...d.recordShape], [32, 32, 3]);
  assert.is(d.classNames[3], "cat");
  // Record 1 of batch 1 (seed 1, r 1): channel c of pixel p = (1 + 1 + 3p + c) % 256.
  for (const p of [0, 5, 1023]) for (let c = 0; c < 3; c++) assert.is(d.features[3072 + 3 * p + c], Math.fround(((2 + 3 * p + c) % 256) / 255));
});

formats("CIFAR-100: coarse then fine label byte; fine labels by default, coarse on request", async () => {
  const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`).join("\n");
  const coarse = Array.from({ length: 20 }, (_, i) => `coarse${i}`).join("\n");
  const files = {
    "cifar-100-binary/train.bin": cifarFile([[3, 42], [19, 99]]),
    "cifar-100-binary/test.bin": cifarFile([[0, 7]]),
    "cifar-100-binary/fine_label_names.txt": text(fine),
    "cifar-100-binary/coarse_label_names.txt": text(coarse),
  };
  const d = await loadDataset("cifar100", { source: memorySource(files) });
  assert.equal(Array.from(d.labels), [42, 99, 7]);
  assert.is(d.numClasses, 100);
  assert.is(d.classNames[99], "fine99");
  const c = await loadDataset("cifar100", { source: memorySource(files), cifar100Labels: "coarse" });
  assert.equal(Array.from(c.labels), [3, 19, 0]);
  assert.is(c.numClasses, 20);
  assert.is(c.name, "cifar100-coarse");
});

formats("UCI Adult: ', ' separators, '?' as its own value, adult.test's first line and trailing '.'", async () => {
  const d = await loadDataset("adult", { source: memorySource({ "adult.data": text(ADULT_DATA), "adult.test": text(ADULT_TEST) }) });
  assert.is(d.labels.length, 5);
  assert.equal(Array.from(d.labels), [0, 0, 1, 0, 1]);
  assert.is(featureCount(d), ADULT_FEATURES);
  assert.is(ADULT_FEATURES, 108);
  // Six standardized numeric columns have mean 0; every record has exactly 8 one-hot ones.
  const n = 5;
  const numericAt = [0, 10, 27, 63, 64, 65];
  for (const c of numericAt) {
    let s = 0;
    for (let r = 0; r < n; r++) s += d.features[r * 108 + c]!;
    assert.ok(Math.abs(s) < 1e-5, `column ${c} sums to ${s}`);
  }
  for (let r = 0; r < n; r++) {
    let ones = 0;
    for (let c = 0; c < 108; c++) if (!numericAt.includes(c)) ones += d.features[r * 108 + c]!;
    assert.is(ones, 8);
  }
  // Record 3's workclass is '?': the last workclass column (index 1 + 8).
  assert.is(d.features[2 * 108 + 9], 1);
});

formats("Shokri CSV (Purchase-100, Location): label then binary features; labels mapped to 0..k-1", async () => {
  const csv = "1,0,1,1\n100,1,0,0\r\n50,0,0,1\n\n";
  const d = await loadDataset("purchase100", { source: memorySource({ dataset_purchase: text(csv) }) });
  assert.equal(Array.from(d.labels), [0, 2, 1]);
  assert.equal(d.classNames, ["1", "50", "100"]);
  assert.equal(Array.from(d.features), [0, 1, 1, 1, 0, 0, 0, 0, 1]);
  const l = await loadDataset("location", { source: memorySource({ bangkok: text("3,1,0\n4,0.0,1.0\n") }), file: "bangkok" });
  assert.equal(Array.from(l.labels), [0, 1]);
  assert.equal(Array.from(l.features), [1, 0, 0, 1]);
});

formats("20news-bydate folder tree: one file per post, one folder per group; headers dropped", async () => {
  const post = (group: string, body: string) => text(`From: someone@example.com\nNewsgroups: ${group}\nSubject: re: things\n\n${body}`);
  const files = {
    "20news-bydate-train/sci.space/1001": post("sci.space", "The orbit of the shuttle and the rocket launch"),
    "20news-bydate-train/sci.space/1002": post("sci.space", "rocket fuel orbit"),
    "20news-bydate-train/rec.autos/2001": post("rec.autos", "engine oil car brakes"),
    "20news-bydate-test/rec.autos/3001": post("rec.autos", "car engine tyres"),
    "20news-bydate-test/sci.space/4001": post("sci.space", "launch window"),
  };
  const d = await loadDataset("news20", { source: memorySource(files), vocabularySize: 8 });
  assert.equal(d.classNames, ["rec.autos", "sci.space"]);
  assert.equal(Array.from(d.labels), [0, 1, 1, 0, 1]);
  assert.is(featureCount(d), 8);
  assert.is(d.featureKind, "tfidf");
});

formats("LFW .npy arrays: uint8 images scaled to [0, 1], int64 identity labels, names file", async () => {
  const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const files = {
    "lfw_images.npy": encodeNpy(images, [3, 2, 2]),
    "lfw_labels.npy": encodeNpy(BigInt64Array.from([1n, 0n, 1n]), [3]),
    "lfw_names.txt": text("Ada Lovelace\nAlan Turing\n"),
  };
  const d = await loadDataset("lfw", { source: memorySource(files) });
  assert.equal(Array.from(d.labels), [1, 0, 1]);
  assert.equal(d.classNames, ["Ada Lovelace", "Alan Turing"]);
  assert.equal([...d.recordShape], [2, 2, 1]);
  assert.is(d.features[11], Math.fround(220 / 255));
});

formats(".npy: every supported dtype round-trips; version 2 headers; numpy's own header bytes", async () => {
  const cases = [
    [Float32Array.of(1.5, -2, 3.25, 0), [2, 2]],
    [Float64Array.of(Math.PI, -1e300), [2]],
    [Uint8Array.of(0, 255, 7), [3]],
    [Int32Array.of(-5, 2147483647), [1, 2]],
    [BigInt64Array.of(-3n, 9007199254740991n), [2]],
  ] as const;
  for (const [data, shape] of cases) {
    const bytes = encodeNpy(data, shape);
    assert.is((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "header padded to 64 bytes");
    const back = parseNpy(bytes, "x.npy");
    assert.equal([...back.shape], [...shape]);
    assert.equal(Array.from(back.data as ArrayLike<number | bigint>), Array.from(data as ArrayLike<number | bigint>));
  }
  // The exact bytes numpy 1.x writes for np.save(f, np.arange(3, dtype='<i4')).
  const numpyHeader = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  const padded = numpyHeader + " ".repeat(128 - 10 - numpyHeader.length - 1) + "\n";
  const v1 = new Uint8Array(128 + 12);
  v1.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
  v1.set(text(padded), 10);
  v1.set(new Uint8Array(Int32Array.of(0, 1, 2).buffer), 128);
  assert.equal(Array.from(npyToInt32(parseNpy(v1, "a.npy"), "a.npy")), [0, 1, 2]);
  // Version 2.0: a 4-byte header length.
  const v2 = new Uint8Array(12 + padded.length - 2 + 12);
  v2.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  const header2 = numpyHeader + " ".repeat(padded.length - 2 - numpyHeader.length - 1) + "\n";
  new DataView(v2.buffer).setUint32(8, header2.length, true);
  v2.set(text(header2), 12);
  v2.set(new Uint8Array(Int32Array.of(4, 5, 6).buffer), 12 + header2.length);
  const parsed = parseNpy(v2, "b.npy");
  assert.equal(Array.from(npyToFloat32(parsed, "b.npy")), [4, 5, 6]);
  // A 0-d array (shape ()) holds one value.
  const scalar = parseNpy(encodeNpy(Float64Array.of(2.5), []), "s.npy");
  assert.equal([...scalar.shape], []);
  assert.equal(Array.from(scalar.data as Float64Array), [2.5]);
});

formats.run();
