// Reads tar archives (ustar, GNU long names, pax path records), as the CIFAR, 20 Newsgroups and
// Purchase-100 downloads come. Pure: bytes in, entries out; paths are checked so an archive can
// never write outside the folder it is extracted into.
import { DatasetFormatError } from "./errors.js";

export interface TarEntry {
  readonly path: string;
  readonly type: "file" | "directory";
  readonly data: Uint8Array;
}

const BLOCK = 512;

export function parseTar(bytes: Uint8Array, file: string): TarEntry[] {
  if (bytes.length === 0) throw new DatasetFormatError(file, "", "empty file, expected a tar archive");
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (at + BLOCK <= bytes.length) {
    const header = bytes.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const magic = ascii(header, 257, 6);
    if (magic !== "ustar" && magic !== "ustar ") {
      throw new DatasetFormatError(file, `byte ${at}`, `expected a tar header (magic "ustar" at offset 257), found ${JSON.stringify(magic)}`);
    }
    if (checksum(header) !== octal(header, 148, 8, file, at)) throw new DatasetFormatError(file, `byte ${at}`, "tar header checksum mismatch (corrupt archive)");
    const size = octal(header, 124, 12, file, at);
    const type = String.fromCharCode(header[156]!);
    const dataAt = at + BLOCK;
    if (dataAt + size > bytes.length) {
      throw new DatasetFormatError(file, `byte ${at}`, `tar entry claims ${size} bytes but the archive ends ${bytes.length - dataAt} bytes later: truncated?`);
    }
    const data = bytes.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = ascii(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data))?.[1];
      continue;
    }
    if (type === "g") continue;
    const prefix = ascii(header, 345, 155);
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${ascii(header, 0, 100)}` : ascii(header, 0, 100));
    longName = undefined;
    paxPath = undefined;
    const path = safePath(name, file, at);
    if (type === "0" || type === "\0" || type === "7") entries.push({ path, type: "file", data });
    else if (type === "5") entries.push({ path, type: "directory", data: new Uint8Array(0) });
    // Links, devices and FIFOs are skipped: no dataset needs them and they are unsafe to extract.
  }
  return entries;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number, file: string, at: number): number {
  const text = ascii(bytes, start, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new DatasetFormatError(file, `byte ${at + start}`, `expected an octal number in the tar header, found ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum;
}

function safePath(name: string, file: string, at: number): string {
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (name.startsWith("/") || parts.includes("..") || parts.length === 0) {
    throw new DatasetFormatError(file, `byte ${at}`, `unsafe or empty path ${JSON.stringify(name)} in the archive; expected a relative path without '..'`);
  }
  return parts.join("/");
}
