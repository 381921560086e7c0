// RFC 4180 CSV: quoted fields (with "" for a quote, and line breaks inside quotes), CRLF, LF or
// CR-only line endings, blank lines skipped. Every row keeps the line number it starts on.
import { DatasetFormatError } from "../datasets/errors.js";

export interface CsvRows {
  readonly cells: string[][];
  /** 1-based line on which each row starts. */
  readonly lines: number[];
}

export function parseCsv(text: string, file: string, separator = ","): CsvRows {
  const cells: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const rowLine = line;
    const row: string[] = [];
    let blank = true;
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        const fieldLine = line;
        const parts: string[] = [];
        let start = ++i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new DatasetFormatError(file, `line ${fieldLine}, field ${row.length + 1}`, "quoted field never closed (a '\"' is missing)");
          line += countLineBreaks(text, i, q);
          if (text[q + 1] === '"') {
            parts.push(text.slice(start, q + 1));
            i = start = q + 2;
            continue;
          }
          parts.push(text.slice(start, q));
          i = q + 1;
          break;
        }
        field = parts.join("");
        if (i < n && text[i] !== separator && text[i] !== "\n" && text[i] !== "\r") {
          throw new DatasetFormatError(file, `line ${line}, field ${row.length + 1}`, `unexpected ${JSON.stringify(text[i])} after a closing quote; expected '${separator}' or the end of the line`);
        }
        blank = false;
      } else {
        let end = i;
        while (end < n && text[end] !== separator && text[end] !== "\n" && text[end] !== "\r") end++;
        field = text.slice(i, end);
        if (field.includes('"')) throw new DatasetFormatError(file, `line ${line}, field ${row.length + 1}`, `stray '"' inside an unquoted field ${JSON.stringify(field)}`);
        if (field.trim() !== "") blank = false;
        i = end;
      }
      row.push(field);
      if (i < n && text[i] === separator) {
        i++;
        blank = false;
        continue;
      }
      break;
    }
    // End of record: "\r\n", "\n", "\r" or the end of the text.
    if (text[i] === "\r") i += text[i + 1] === "\n" ? 2 : 1;
    else if (text[i] === "\n") i++;
    line++;
    if (!blank) {
      cells.push(row);
      lines.push(rowLine);
    }
  }
  return { cells, lines };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text[k];
    if (c === "\n" || (c === "\r" && text[k + 1] !== "\n")) count++;
  }
  return count;
}
