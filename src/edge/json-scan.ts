// A bounded pre-scan of JSON bytes as they stream in, before JSON.parse sees them: a body nested
// deeper than any request form needs ([[[[...]]]] several MB deep costs seconds and hundreds of MB
// in JSON.parse) is refused at the first byte past the limit, with nothing allocated for it.
// It only tracks nesting, strings and escapes; JSON.parse still judges the grammar.

/** Nesting the request forms need: body { members { posteriors [ row [ ... ] ] } } is 4; headroom to 8. */
export const DEFAULT_MAX_DEPTH = 8;

export class JsonDepthError extends Error {
  constructor(
    readonly depth: number,
    readonly offset: number,
  ) {
    super(`JSON nests deeper than ${depth} levels (at byte ${offset})`);
    this.name = "JsonDepthError";
  }
}

/** Feed chunks in order; throws JsonDepthError as soon as the nesting passes maxDepth. */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private offset = 0;

  constructor(private readonly maxDepth: number = DEFAULT_MAX_DEPTH) {}

  push(chunk: Uint8Array): void {
    let { depth, inString, escaped } = this;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true; // backslash
        else if (b === 0x22) inString = false; // quote
        continue;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        // [ or {
        if (++depth > this.maxDepth) throw new JsonDepthError(this.maxDepth, this.offset + i);
      } else if (b === 0x5d || b === 0x7d) depth = Math.max(0, depth - 1);
    }
    this.offset += chunk.length;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
  }
}
