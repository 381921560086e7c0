// What each dataset name is, for `mlleaks datasets list` and the docs. The bundled sizes are the
// loaders' real output (test/datasets-bundled.test.ts loads each set and holds them equal).
import { ADULT_FEATURES } from "./adult.js";
import { DEFAULT_VOCABULARY } from "./load.js";

export interface CatalogEntry {
  readonly name: string;
  /** Which ML-Leaks dataset it is or stands in for. */
  readonly paperDataset: string;
  readonly records: number;
  readonly features: number;
  readonly classes: number;
  readonly description: string;
}

export const BUNDLED_DATASETS: readonly CatalogEntry[] = [
  { name: "fashion-mnist", paperDataset: "MNIST", records: 10000, features: 784, classes: 10, description: "Fashion-MNIST t10k split, 28x28 grey images (MIT)" },
  { name: "digits", paperDataset: "MNIST (small)", records: 1797, features: 64, classes: 10, description: "UCI optical digits, 8x8 images (CC BY 4.0)" },
  { name: "census", paperDataset: "Adult", records: 28155, features: 12, classes: 2, description: "CPS1988 wages, label = wage above median (GPL-2|3)" },
  { name: "purchase", paperDataset: "Purchase-100", records: 4627, features: 216, classes: 20, description: "supermarket baskets, 20 k-means classes (GPL-2+)" },
  { name: "dna", paperDataset: "Location", records: 3186, features: 180, classes: 3, description: "StatLog DNA splice junctions, binary (GPL-2)" },
  { name: "mail", paperDataset: "News", records: 2724, features: DEFAULT_VOCABULARY, classes: 10, description: "SpamAssassin ham by mailing list, TF-IDF (Apache-2.0)" },
  { name: "faces", paperDataset: "Face", records: 200, features: 625, classes: 2, description: "LFW crops vs non-face crops, 25x25 (BSD-3)" },
];

/** Datasets read from the Debian package dataset-fashion-mnist when it is installed. */
export const SYSTEM_DATASETS: readonly CatalogEntry[] = [
  { name: "fashion-mnist-full", paperDataset: "MNIST", records: 70000, features: 784, classes: 10, description: "Fashion-MNIST train + t10k (Debian dataset-fashion-mnist)" },
];

/** Datasets `mlleaks datasets fetch` can download (sizes as published). */
export const REMOTE_DATASETS: readonly CatalogEntry[] = [
  { name: "mnist", paperDataset: "MNIST", records: 70000, features: 784, classes: 10, description: "MNIST train + test, IDX" },
  { name: "fashion-mnist-full", paperDataset: "MNIST", records: 70000, features: 784, classes: 10, description: "Fashion-MNIST train + test, IDX" },
  { name: "cifar10", paperDataset: "CIFAR-10", records: 60000, features: 3072, classes: 10, description: "CIFAR-10 binary batches" },
  { name: "cifar100", paperDataset: "CIFAR-100", records: 60000, features: 3072, classes: 100, description: "CIFAR-100 binary (fine labels; coarse with --cifar100-labels coarse)" },
  { name: "adult", paperDataset: "Adult", records: 48842, features: ADULT_FEATURES, classes: 2, description: "UCI Adult, adult.data + adult.test" },
  { name: "purchase100", paperDataset: "Purchase-100", records: 197324, features: 600, classes: 100, description: "Shokri et al.'s Purchase-100" },
  { name: "news20", paperDataset: "News", records: 18846, features: DEFAULT_VOCABULARY, classes: 20, description: "20 Newsgroups bydate, TF-IDF" },
  { name: "location", paperDataset: "Location", records: 5010, features: 446, classes: 30, description: "Shokri et al.'s Location (place the file yourself)" },
  { name: "lfw", paperDataset: "Face", records: 13233, features: 2914, classes: 5749, description: "LFW as .npy arrays (export them yourself)" },
];
