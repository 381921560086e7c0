import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { BUNDLED_DATASETS } from "../src/datasets/catalog.js";
import { featureCount, loadDataset, type Dataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { sha256Hex, sha256OfArrays } from "../src/util/sha256.js";

const bundled = suite("datasets: vendored data");
const source = bundledDataSource();
bundled.before(async () => {
  await initKernels();
});

bundled("every vendored file matches datasets/SHA256SUMS", async () => {
  const sums = new TextDecoder().decode(await source.read("SHA256SUMS")).trim().split("\n");
  assert.is(sums.length, 8);
  for (const line of sums) {
    const [expected, file] = line.split(/\s+/) as [string, string];
    assert.is(await sha256Hex(await source.read(file)), expected, file);
  }
});

// SHA-256 of the loaded features and labels: the same in Node and Deno, and run after run.
const expected: Record<string, { shape: number[]; counts: number[]; features: string; labels: string }> = {
  digits: { shape: [8, 8, 1], counts: [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], features: "9f578524b6cec1fc800cc52dfc87ebe56264983d490aa72a4bd928ba2570ec77", labels: "3a0e68456f9a3c609b399717dd9ca55bb9153be1bccf72e38e3319cb740c75cd" },
  census: { shape: [12], counts: [14308, 13847], features: "5a2143778648ce7ceee4345dffb20a06471fbf51ba66cd1d09cf428c388753d7", labels: "ce0b3383a51155d7f4928b1c9bf41cf06c4e256e4e40e0b8d20b484e6eac6e87" },
  dna: { shape: [180], counts: [767, 765, 1654], features: "b67370a70fcdeab99424c70eea9b2e772f31517310af63ef10c307c1557f2e0e", labels: "0dc3b2898538ed2d3aec4dbef7cea1c314e0cd98cb24aec3b84419be7017811d" },
  purchase: {
    shape: [216],
    counts: [226, 182, 205, 167, 261, 260, 196, 183, 204, 262, 404, 159, 170, 193, 311, 228, 308, 149, 253, 306],
    features: "b7298f7d715f5554d4519750efa20cb4b02a372b84695ad97ea27269c801a071",
    labels: "dd1041f89a41738adc16acde2de49beff39502e738d88008164b7af054be1be2",
  },
  "fashion-mnist": { shape: [28, 28, 1], counts: Array(10).fill(1000), features: "0c0f08b9d95e81a9c662a7e200cbb82a22e7669e3a79c4e861585d1dbf736efd", labels: "53fdd09ed9cbcd893df0e3b0af7802f2d62457de11c87273d4b4186f4992a40c" },
  faces: { shape: [25, 25, 1], counts: [100, 100], features: "54c3d2c4b44f4a0fdf42c739d5d603f74a9afcd5d89aea1151255d76e02757f9", labels: "b65ce6d71e88eb8a52146648671f8d8782def7133bbe98cce8dc7d388dfce1b6" },
  mail: { shape: [2000], counts: [111, 117, 1058, 543, 213, 396, 30, 35, 53, 168], features: "df9fcbf02254945282b9e22899245fc0c2a79b55c9edb801efc4cfae84977db4", labels: "bb7a383597ec0269b2c91af362841d190094d8873235f19c7fc3ad024f24661a" },
};

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.numClasses).fill(0);
  for (const l of d.labels) counts[l]!++;
  return counts;
}

for (const entry of BUNDLED_DATASETS) {
  bundled(`${entry.name}: records, features, classes and content hashes`, async () => {
    const d = await loadDataset(entry.name, { source });
    const want = expected[entry.name]!;
    assert.is(d.name, entry.name);
    assert.is(d.labels.length, entry.records);
    assert.is(featureCount(d), entry.features);
    assert.is(d.numClasses, entry.classes);
    assert.is(d.classNames.length, d.numClasses);
    assert.equal([...d.recordShape], want.shape);
    assert.is(d.features.length, entry.records * entry.features);
    assert.equal(classCounts(d), want.counts);
    assert.ok(d.features.every(Number.isFinite), "all features finite");
    if (d.featureKind === "pixels") assert.ok(d.features.every((v) => v >= 0 && v <= 1), "pixels in [0, 1]");
    if (d.featureKind === "binary") assert.ok(d.features.every((v) => v === 0 || v === 1), "binary features");
    assert.ok(d.provenance.length > 40);
    assert.is(await sha256OfArrays([d.features]), want.features, "features hash");
    assert.is(await sha256OfArrays([d.labels]), want.labels, "labels hash");
  });
}

bundled("census: numeric columns standardized (mean 0, std 1), one-hot groups sum to 1", async () => {
  const d = await loadDataset("census", { source });
  const n = d.labels.length;
  for (const c of [0, 1]) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < n; r++) sum += d.features[r * 12 + c]!;
    const mean = sum / n;
    for (let r = 0; r < n; r++) squares += (d.features[r * 12 + c]! - mean) ** 2;
    assert.ok(Math.abs(mean) < 1e-6, `column ${c} mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(squares / n) - 1) < 1e-5, `column ${c} std`);
  }
  for (const [from, to] of [[2, 4], [4, 6], [6, 10], [10, 12]] as const) {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = from; c < to; c++) s += d.features[r * 12 + c]!;
      assert.is(s, 1);
    }
  }
});

bundled("mail: TF-IDF rows have unit l2 norm (or are empty)", async () => {
  const d = await loadDataset("mail", { source, vocabularySize: 300 });
  assert.is(featureCount(d), 300);
  for (let r = 0; r < d.labels.length; r++) {
    let norm = 0;
    for (let c = 0; c < 300; c++) norm += d.features[r * 300 + c]! ** 2;
    assert.ok(norm === 0 || Math.abs(norm - 1) < 1e-5, `row ${r} norm ${norm}`);
  }
});

bundled("purchase: k and the k-means seed are options; the same seed gives the same classes", async () => {
  const a = await loadDataset("purchase", { source, clusters: 5, clusterSeed: 7 });
  const b = await loadDataset("purchase", { source, clusters: 5, clusterSeed: 7 });
  const c = await loadDataset("purchase", { source, clusters: 5, clusterSeed: 8 });
  assert.is(a.numClasses, 5);
  assert.equal(classCounts(a).filter((x) => x > 0).length, 5);
  assert.equal(Array.from(a.labels), Array.from(b.labels));
  assert.not.equal(Array.from(a.labels), Array.from(c.labels));
});

bundled.run();
