// SHA-256 through Web Crypto, which Node 20, Deno and browsers (secure contexts: 127.0.0.1 and
// localhost included) all provide as globalThis.crypto.subtle.

export async function sha256Hex(data: ArrayBufferView | ArrayBuffer | string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error("SHA-256 needs Web Crypto (crypto.subtle), which this runtime does not provide");
  let bytes: Uint8Array<ArrayBuffer>;
  if (typeof data === "string") bytes = new TextEncoder().encode(data);
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const digest = await subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One hash over several arrays in order, e.g. all of a model's weight tensors. */
export async function sha256OfArrays(arrays: readonly ArrayBufferView[]): Promise<string> {
  const total = arrays.reduce((n, a) => n + a.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const a of arrays) {
    joined.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  return sha256Hex(joined);
}
