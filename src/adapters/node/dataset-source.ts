// Node (and Deno, through its node: modules) data sources: a folder on disk. bundledDataSource()
// is the package's own datasets/ folder, found from this module's location.
import { existsSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DataSource } from "../../datasets/types.js";
import { readFileNamed } from "./fs.js";

export function directorySource(dir: string): DataSource {
  const root = resolve(dir);
  const full = (path: string): string => join(root, ...path.split("/"));
  return {
    async read(path) {
      const buffer = await readFileNamed(full(path));
      // A plain Uint8Array, not a Buffer (whose slice() is a view), for the portable parsers.
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    },
    async list(path) {
      try {
        return await readdir(full(path));
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new Error(`${full(path)}: cannot list folder (${code === "ENOENT" ? "no such folder" : code ?? String(error)})`);
      }
    },
    async exists(path) {
      try {
        await stat(full(path));
        return true;
      } catch {
        return false;
      }
    },
    describe: full,
  };
}

let bundledDir: string | undefined;

/** The package's datasets/ folder (vendored data), searched upwards from this module. */
export function bundledDatasetsDir(): string {
  if (bundledDir) return bundledDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "datasets", "SHA256SUMS");
    if (existsSync(candidate) && existsSync(join(dir, "package.json"))) return (bundledDir = join(dir, "datasets"));
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the mlleaks package's datasets/ folder (datasets/SHA256SUMS) above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function bundledDataSource(): DataSource {
  return directorySource(bundledDatasetsDir());
}

/** Debian's dataset-fashion-mnist package puts all 70,000 images here. */
export const SYSTEM_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export function systemFashionMnistAvailable(dir = SYSTEM_FASHION_MNIST_DIR): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Where `mlleaks datasets fetch` puts downloads: $MLLEAKS_DATA_DIR, else ~/.cache/mlleaks/datasets. */
export function defaultDataDir(): string {
  const fromEnv = process.env.MLLEAKS_DATA_DIR;
  if (fromEnv) return resolve(fromEnv);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cache, "mlleaks", "datasets");
}
