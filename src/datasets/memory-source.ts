// A DataSource over files already in memory: files a user dropped on the web page, archive
// entries, or files a test wrote. Paths use "/" separators; folders are implied by the paths.
import type { DataSource } from "./types.js";

export function memorySource(files: Readonly<Record<string, Uint8Array>>, label = "memory:"): DataSource {
  const paths = Object.keys(files);
  return {
    async read(path) {
      const bytes = files[path];
      if (!bytes) throw new Error(`${label}${path}: no such file`);
      return bytes;
    },
    async list(dir) {
      const prefix = dir === "" ? "" : `${dir.replace(/\/$/, "")}/`;
      const names = new Set<string>();
      for (const p of paths) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split("/")[0]!);
      if (names.size === 0) throw new Error(`${label}${dir}: no such folder`);
      return [...names];
    },
    async exists(path) {
      return path in files || paths.some((p) => p.startsWith(`${path}/`));
    },
    describe: (path) => `${label}${path}`,
  };
}
