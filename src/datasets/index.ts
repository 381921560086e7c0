// Datasets: loaders for the ML-Leaks datasets' real formats and the vendored stand-ins, and the
// ML-Leaks split. Portable: files arrive through a DataSource supplied by a runtime adapter.
export type { Dataset, DataSource, DatasetKind, FeatureKind } from "./types.js";
export { recordCount, featureCount } from "./types.js";
export { DatasetFormatError } from "./errors.js";
export { loadDataset, LOADABLE_NAMES, DEFAULT_CLUSTERS, DEFAULT_CLUSTER_SEED, DEFAULT_VOCABULARY, type LoadDatasetOptions } from "./load.js";
export { mlLeaksSplit, subsetDataset, assertDisjoint, SPLIT_PARTS, SPLIT_STREAM, type MlLeaksSplit, type SplitOptions, type SplitPart } from "./split.js";
export { parseNpy, parseNpyNumeric, encodeNpy, npyToFloat32, npyToInt32, type NpyArray, type NpyDtype, type NpyData } from "./npy.js";
export { parseIdx, type IdxArray } from "./idx.js";
export { parseCifarBatch } from "./cifar.js";
export { parseAdult } from "./adult.js";
export { parseShokriCsv } from "./shokri.js";
export { gunzip, maybeGunzip, isGzip } from "./gzip.js";
export { kmeansBinary, type KMeansResult } from "./kmeans.js";
export { tokenize, tokenizeCorpus, fitTfidf, transformTfidf, type TfidfModel, type TokenizedCorpus } from "./text.js";
export { memorySource } from "./memory-source.js";
export { parseTar, type TarEntry } from "./tar.js";
export { BUNDLED_DATASETS, SYSTEM_DATASETS, REMOTE_DATASETS, type CatalogEntry } from "./catalog.js";
export { REMOTE_SOURCES, remoteSource, type RemoteDataset, type RemoteFile } from "./remote.js";
