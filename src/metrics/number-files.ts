// Parses a column of numbers for `mlleaks epsilon`: one number per line (a single-column CSV, with an
// optional header line) or a 1-D .npy (or N x 1). Errors name the file and the line.
import { parseNpyNumeric } from "../datasets/npy.js";

export function parseNumberColumn(bytes: Uint8Array, file: string): Float64Array {
  if (file.toLowerCase().endsWith(".npy")) {
    const { shape, data } = parseNpyNumeric(bytes, file);
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
      throw new Error(`${file}: expected a 1-D array (or N x 1), got shape [${shape.join(", ")}]`);
    }
    const values = Float64Array.from(data as ArrayLike<number>);
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`${file}: entry ${i} is ${v}, expected a finite number`);
    });
    return values;
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const lines = text.split(/\r?\n/);
  const values: number[] = [];
  let first = true;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const header = first && /^[A-Za-z_"]/.test(line); // a header is allowed on the first non-empty line only
    first = false;
    if (header) return;
    if (line.includes(",") || line.includes("\t")) throw new Error(`${file}: line ${i + 1} has several columns ('${line.slice(0, 40)}'); expected one number per line`);
    const value = Number(line);
    if (!Number.isFinite(value)) throw new Error(`${file}: line ${i + 1} is '${line.slice(0, 40)}', expected a finite number`);
    values.push(value);
  });
  if (values.length === 0) throw new Error(`${file}: no numbers found; expected one number per line`);
  return Float64Array.from(values);
}

/** Membership flags: the same column, every entry 0 or 1. */
export function parseMembershipColumn(bytes: Uint8Array, file: string): Uint8Array {
  const values = parseNumberColumn(bytes, file);
  return Uint8Array.from(values, (v, i) => {
    if (v !== 0 && v !== 1) throw new Error(`${file}: entry ${i + 1} is ${v}, expected 0 (non-member) or 1 (member)`);
    return v;
  });
}
