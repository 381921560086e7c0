// `mlleaks datasets fetch`: downloads a dataset's files into <dataDir>/<name>/, verifies them,
// unpacks archives, loads the result once (so a bad download is caught now, not mid-audit) and
// records what it got in <name>/mlleaks-fetch.json, the marker `datasets list` looks for.
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzip } from "../../datasets/gzip.js";
import { loadDataset, type LoadDatasetOptions } from "../../datasets/load.js";
import type { RemoteDataset } from "../../datasets/remote.js";
import { parseTar } from "../../datasets/tar.js";
import { featureCount } from "../../datasets/types.js";
import { directorySource } from "./dataset-source.js";
import { checksumProblem, downloadFile, fileDigests } from "./download.js";
import { writeFileAtomic } from "./fs.js";

export const MANIFEST = "mlleaks-fetch.json";

export interface FetchedFile {
  readonly file: string;
  readonly url: string;
  readonly bytes: number;
  readonly md5: string;
  readonly sha256: string;
  /** "md5" / "sha256" when a published checksum was verified, "none" when the publisher gives none. */
  readonly verified: "md5" | "sha256" | "none";
}

export interface FetchManifest {
  readonly name: string;
  readonly files: readonly FetchedFile[];
  readonly records: number;
  readonly features: number;
  readonly classes: number;
}

export interface FetchOptions {
  readonly dataDir: string;
  /** Download from this base URL instead (same file names), e.g. a local mirror. */
  readonly mirror?: string;
  readonly onProgress?: (file: string, done: number, total: number | undefined) => void;
  readonly log?: (message: string) => void;
  readonly fetchImpl?: typeof fetch;
  readonly loadOptions?: Omit<LoadDatasetOptions, "source">;
}

export async function readManifest(folder: string): Promise<FetchManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(folder, MANIFEST), "utf8")) as FetchManifest;
  } catch {
    return undefined;
  }
}

export async function fetchDataset(remote: RemoteDataset, options: FetchOptions): Promise<FetchManifest> {
  const folder = join(options.dataDir, remote.name);
  const log = options.log ?? (() => {});
  const fetched: FetchedFile[] = [];
  if (remote.manual) {
    // Nothing to download: register the files the user placed, if they are all there.
    for (const file of remote.manualFiles ?? []) {
      const digests = await existingDigests(join(folder, file));
      if (!digests) throw new Error(`${remote.name}: ${join(folder, file)} is missing; ${remote.manual.replaceAll("<dir>", options.dataDir)}`);
      fetched.push({ file, url: "", ...digests, verified: "none" });
      log(`${file}: placed by hand, ${digests.bytes} bytes, recorded SHA-256 ${digests.sha256}`);
    }
  }
  await mkdir(folder, { recursive: true });
  for (const spec of remote.files) {
    const url = options.mirror ? `${options.mirror.replace(/\/$/, "")}/${spec.file}` : spec.url;
    const dest = join(folder, spec.file);
    const expected = { md5: spec.md5, sha256: spec.sha256, bytes: spec.bytes };
    const published = spec.sha256 ? "sha256" : spec.md5 ? "md5" : "none";
    let digests = await existingDigests(dest);
    if (digests && checksumProblem(digests, expected) === undefined && (published !== "none" || (await recorded(folder, spec.file)) === digests.sha256)) {
      log(`${spec.file}: already downloaded and verified`);
    } else {
      if (digests) await rm(dest, { force: true });
      const result = await downloadFile(url, dest, {
        expected,
        fetchImpl: options.fetchImpl,
        onProgress: (done, total) => options.onProgress?.(spec.file, done, total),
      });
      if (result.resumedFrom > 0) log(`${spec.file}: resumed at byte ${result.resumedFrom}`);
      digests = result;
      log(
        published === "none"
          ? `${spec.file}: ${result.bytes} bytes; no published checksum, recorded SHA-256 ${result.sha256}`
          : `${spec.file}: ${result.bytes} bytes, ${published.toUpperCase()} verified`,
      );
    }
    if (spec.extract) await extractTarGz(dest, folder, log);
    fetched.push({ file: spec.file, url, bytes: digests.bytes, md5: digests.md5, sha256: digests.sha256, verified: published });
  }
  let counts;
  try {
    const dataset = await loadDataset(remote.name, { ...options.loadOptions, source: directorySource(folder) });
    counts = { records: dataset.labels.length, features: featureCount(dataset), classes: dataset.numClasses };
  } catch (error) {
    throw new Error(`${remote.name}: downloaded to ${folder} but the files do not load: ${error instanceof Error ? error.message : String(error)}`);
  }
  const manifest: FetchManifest = { name: remote.name, files: fetched, ...counts };
  await writeFileAtomic(join(folder, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

async function existingDigests(path: string) {
  try {
    return await fileDigests(path);
  } catch {
    return undefined;
  }
}

async function recorded(folder: string, file: string): Promise<string | undefined> {
  return (await readManifest(folder))?.files.find((f) => f.file === file)?.sha256;
}

/** Unpacks into a temporary folder beside the target, then moves each top-level entry into place. */
async function extractTarGz(archive: string, folder: string, log: (message: string) => void): Promise<void> {
  const bytes = await readFile(archive);
  const entries = parseTar(await gunzip(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), archive), archive);
  const staging = join(folder, `.extract-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    let files = 0;
    for (const entry of entries) {
      const target = join(staging, ...entry.path.split("/"));
      if (entry.type === "directory") {
        await mkdir(target, { recursive: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, entry.data);
        files++;
      }
    }
    for (const name of await readdir(staging)) {
      await rm(join(folder, name), { recursive: true, force: true });
      await rename(join(staging, name), join(folder, name));
    }
    log(`${archive}: unpacked ${files} files`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
