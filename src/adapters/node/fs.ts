// Node file-system helpers. Outputs are written to a temporary name beside the target and renamed,
// so a reader never sees a partial file.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
