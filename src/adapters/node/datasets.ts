// Datasets by name on Node: the bundled ones from the package's datasets/ folder, fashion-mnist-full
// from Debian's package when installed, the rest from what `mlleaks datasets fetch` put in the data dir.
import { join } from "node:path";
import { BUNDLED_DATASETS, SYSTEM_DATASETS } from "../../datasets/catalog.js";
import { loadDataset, type LoadDatasetOptions } from "../../datasets/load.js";
import { REMOTE_SOURCES } from "../../datasets/remote.js";
import type { DataSource, Dataset } from "../../datasets/types.js";
import { bundledDataSource, bundledDatasetsDir, defaultDataDir, directorySource, SYSTEM_FASHION_MNIST_DIR, systemFashionMnistAvailable } from "./dataset-source.js";
import { readManifest } from "./fetch-dataset.js";

export interface AvailableDataset {
  readonly name: string;
  readonly records: number;
  readonly features: number;
  readonly classes: number;
  /** "bundled", or the folder the files are read from. */
  readonly source: string;
}

/** Every dataset that can be loaded right now, bundled first. */
export async function availableDatasets(dataDir = defaultDataDir()): Promise<AvailableDataset[]> {
  const out: AvailableDataset[] = BUNDLED_DATASETS.map(({ name, records, features, classes }) => ({ name, records, features, classes, source: "bundled" }));
  const seen = new Set(out.map((d) => d.name));
  if (systemFashionMnistAvailable()) {
    for (const { name, records, features, classes } of SYSTEM_DATASETS) {
      out.push({ name, records, features, classes, source: SYSTEM_FASHION_MNIST_DIR });
      seen.add(name);
    }
  }
  for (const remote of REMOTE_SOURCES) {
    if (seen.has(remote.name)) continue;
    const folder = join(dataDir, remote.name);
    const manifest = await readManifest(folder);
    if (manifest) out.push({ name: remote.name, records: manifest.records, features: manifest.features, classes: manifest.classes, source: folder });
  }
  return out;
}

/** Where a dataset's files are read from; an error that says how to get them when they are missing. */
export async function dataSourceFor(name: string, dataDir = defaultDataDir()): Promise<DataSource> {
  if (BUNDLED_DATASETS.some((d) => d.name === name)) return bundledDataSource();
  if (name === "fashion-mnist-full" && systemFashionMnistAvailable()) return directorySource(SYSTEM_FASHION_MNIST_DIR);
  const remote = REMOTE_SOURCES.find((r) => r.name === name);
  if (!remote) {
    const known = [...BUNDLED_DATASETS.map((d) => d.name), ...REMOTE_SOURCES.map((r) => r.name)];
    throw new Error(`unknown dataset '${name}'; expected one of ${known.join(", ")}`);
  }
  const folder = join(dataDir, name);
  if (!(await readManifest(folder)) && !remote.manual) {
    throw new Error(`dataset '${name}' is not downloaded to ${folder}: run \`mlleaks datasets fetch ${name}\` first`);
  }
  return directorySource(folder);
}

export async function loadNamedDataset(name: string, options: Omit<LoadDatasetOptions, "source"> & { dataDir?: string } = {}): Promise<Dataset> {
  const { dataDir, ...rest } = options;
  return loadDataset(name, { ...rest, source: await dataSourceFor(name, dataDir) });
}

export { bundledDatasetsDir };
