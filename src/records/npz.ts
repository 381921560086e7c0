// NumPy .npz archives (numpy.savez: entries stored; savez_compressed: deflated), unzipped with
// fflate after checking every entry's declared sizes against the archive's real size.
import { unzipSync } from "fflate";
import { DatasetFormatError } from "../datasets/errors.js";
import { parseNpy, type NpyArray } from "../datasets/npy.js";

/** Deflate cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

/** The archive's arrays by name ("x" for x.npy). */
export function parseNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5))) {
    throw new DatasetFormatError(file, "byte 0", "not a .npz archive: expected a zip file (starting with 'PK')");
  }
  const declared = new Map<string, number>();
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter(info) {
        if (!info.name.endsWith(".npy")) return false;
        const at = `entry '${info.name}'`;
        if (info.compression !== 0 && info.compression !== 8) throw new DatasetFormatError(file, at, `compression method ${info.compression}; expected stored (0) or deflated (8), as numpy.savez and savez_compressed write`);
        if (info.size > bytes.length) throw new DatasetFormatError(file, at, `declares ${info.size} compressed bytes, more than the whole file (${bytes.length})`);
        const limit = info.compression === 0 ? info.size : info.size * MAX_DEFLATE_RATIO + 1024;
        if (info.originalSize > limit) throw new DatasetFormatError(file, at, `declares ${info.originalSize} bytes uncompressed from ${info.size} compressed, which is impossible`);
        declared.set(info.name, info.originalSize);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(file, "", `not a readable .npz (zip) archive: ${error instanceof Error ? error.message : String(error)}`);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(entries)) {
    if (data.length !== declared.get(name)) {
      throw new DatasetFormatError(file, `entry '${name}'`, `holds ${data.length} bytes, but its header declares ${declared.get(name)}`);
    }
    arrays.set(name.slice(0, -".npy".length), parseNpy(data, `${file}:${name}`));
  }
  return arrays;
}
