// Node file-system helpers. Outputs are written to a temporary name beside the target and renamed,
// so a reader never sees a partial file.
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Reads a file, turning "no such file" into an error that names it. */
export async function readFileNamed(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new Error(`${path}: no such file`);
    if (code === "EISDIR") throw new Error(`${path}: is a directory, expected a file`);
    throw new Error(`${path}: cannot read (${code ?? String(error)})`);
  }
}

const SET_TEMPORARY = /^\.(.+)\.\d+\.\d+\.(new|old)$/;

/**
 * Replaces a set of outputs (report.json + report.html, a trained model's files) as one: `fill`
 * writes the set into a fresh directory beside `dir`, which then takes dir's place by rename. Entries
 * already in dir outside the set (`inSet` false) are carried over. A kill at any moment leaves the old set or the new one
 * (removeStaleSetTemporaries, run first, puts an old set back if the kill came between renames).
 */
export async function writeDirectorySetAtomic(dir: string, inSet: (entry: string) => boolean, fill: (staging: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeStaleSetTemporaries(dir);
  const stamp = `${process.pid}.${Date.now()}`;
  const staging = join(parent, `.${basename(dir)}.${stamp}.new`);
  const retired = join(parent, `.${basename(dir)}.${stamp}.old`);
  await mkdir(staging);
  try {
    await fill(staging);
    const existing = await stat(dir).catch(() => undefined);
    if (existing && !existing.isDirectory()) throw new Error(`${dir}: exists and is not a directory`);
    if (existing) {
      for (const entry of await readdir(dir)) {
        if (!inSet(entry)) await cp(join(dir, entry), join(staging, entry), { recursive: true, errorOnExist: false, force: false });
      }
      await rename(dir, retired);
    }
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await rm(retired, { recursive: true, force: true });
}

/** Removes what an interrupted writeDirectorySetAtomic left beside dir, restoring the old set if dir itself is gone. */
export async function removeStaleSetTemporaries(dir: string): Promise<void> {
  const parent = dirname(dir);
  const name = basename(dir);
  const entries = await readdir(parent).catch(() => [] as string[]);
  const stale = entries.filter((e) => SET_TEMPORARY.exec(e)?.[1] === name).sort();
  const dirExists = entries.includes(name);
  const lastOld = stale.filter((e) => e.endsWith(".old")).pop();
  if (!dirExists && lastOld !== undefined) await rename(join(parent, lastOld), dir);
  for (const entry of stale) if (entry !== lastOld || dirExists) await rm(join(parent, entry), { recursive: true, force: true });
}
