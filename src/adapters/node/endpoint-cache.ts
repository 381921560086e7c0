// The endpoint answer cache on disk (EndpointCache for src/targets/endpoint.ts): one JSON file per
// answered batch, written to a temporary name and renamed, so a run killed at any moment leaves
// only whole files, and the next run with the same folder re-asks nothing already answered.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../util/sha256.js";
import type { EndpointCache } from "../../targets/endpoint.js";
import { writeFileAtomic } from "./fs.js";

const FORMAT = "mlleaks-endpoint-cache/1";

interface BatchFile {
  format: string;
  rows: Record<string, number[]>;
}

/** A cache in `dir` (created on the first write); files from other runs in it are reused. */
export function nodeEndpointCache(dir: string): EndpointCache {
  let loaded: Promise<Map<string, readonly number[]>> | undefined;
  const load = () => (loaded ??= readAll(dir));
  return {
    async get(keys) {
      const rows = await load();
      return keys.map((key) => rows.get(key));
    },
    async put(entries) {
      if (entries.length === 0) return;
      const rows = await load();
      const file: BatchFile = { format: FORMAT, rows: {} };
      for (const [key, row] of entries) {
        file.rows[key] = [...row];
        rows.set(key, row);
      }
      const name = `${(await sha256Hex(entries.map(([key]) => key).join("\n"))).slice(0, 32)}.json`;
      await writeFileAtomic(join(dir, name), JSON.stringify(file));
    },
  };
}

async function readAll(dir: string): Promise<Map<string, readonly number[]>> {
  const rows = new Map<string, readonly number[]>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return rows;
    throw new Error(`${dir}: cannot list the endpoint cache folder (${(error as { code?: string }).code ?? String(error)})`);
  }
  for (const name of names.sort()) {
    // Temporary files of an interrupted write start with a dot; they never became answers.
    if (name.startsWith(".") || !name.endsWith(".json")) continue;
    const path = join(dir, name);
    let file: unknown;
    try {
      file = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new Error(`${path}: not an endpoint cache file (${(error as Error).message}); delete it to ask the endpoint again`);
    }
    const body = file as Partial<BatchFile>;
    if (typeof body !== "object" || body === null || body.format !== FORMAT || typeof body.rows !== "object" || body.rows === null) {
      throw new Error(`${path}: expected an endpoint cache file of format ${FORMAT}; delete it to ask the endpoint again`);
    }
    for (const [key, row] of Object.entries(body.rows)) {
      if (!Array.isArray(row) || !row.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new Error(`${path}: the answer for ${key} is not a list of finite numbers; delete the file to ask the endpoint again`);
      }
      rows.set(key, row);
    }
  }
  return rows;
}
