// Errors for bad input files. Each names the file, where in it (line, column or byte offset) and
// what was expected, so a user can find the problem without a debugger.

export class DatasetFormatError extends Error {
  override readonly name = "DatasetFormatError";
  constructor(
    readonly file: string,
    /** "line 12", "line 12, column 'region'", "byte 16", ... or "" when the whole file is at fault. */
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where ? `${where}: ` : ""}${problem}`);
  }
}

export function formatError(file: string, where: string, problem: string): DatasetFormatError {
  return new DatasetFormatError(file, where, problem);
}
