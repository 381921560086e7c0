/** The parts joined end to end in a new typed array made by `make(totalLength)`. */
export function concatArrays<T extends Float32Array | Int32Array>(parts: readonly T[], make: (length: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
