// A small, strict argument parser: every command declares its options, and anything unknown or
// malformed is a UsageError (exit code 2) that names the argument.

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface OptionSpec {
  readonly type: "string" | "number" | "integer" | "boolean" | "list";
  readonly description: string;
  readonly default?: string | number | boolean | readonly string[];
  /** For list and string options: the allowed values. */
  readonly choices?: readonly string[];
  readonly required?: boolean;
  readonly valueName?: string;
  /** Other names accepted for this option (undocumented spellings, kept for consistency across commands). */
  readonly aliases?: readonly string[];
  /** Largest value accepted (number and integer options); counts default to COUNT_LIMITS. */
  readonly max?: number;
}

/**
 * Stated maxima of the count options, whichever command has them: each bounds how much memory or
 * time one run may ask for before anything starts (--shadows 100000 would need gigabytes).
 */
export const COUNT_LIMITS: Readonly<Record<string, number>> = {
  seed: Number.MAX_SAFE_INTEGER,
  epochs: 10_000,
  "attack-epochs": 10_000,
  shadows: 256,
  "part-size": 10_000_000,
  "shadow-part-size": 10_000_000,
  "noise-queries": 1_000_000,
  "top-k": 100_000,
  workers: 256,
  concurrency: 256,
  "reference-models": 256,
  "batch-size": 1_000_000,
  "max-rows": 10_000_000,
  "max-body-bytes": 2 ** 30,
};

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Positional arguments this command takes (name list, for help); extras are a usage error. */
  readonly positionals?: readonly string[];
  run(options: OptionValues, positionals: string[]): Promise<number>;
}

export function parseOptions(spec: CommandSpec, argv: readonly string[]): { options: OptionValues; positionals: string[] } {
  const options: OptionValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const canonical = optionName(spec, name);
    const option = canonical === undefined ? undefined : spec.options[canonical];
    if (!option || canonical === undefined) {
      const names = Object.entries(spec.options).flatMap(([n, o]) => [n, ...(o.aliases ?? [])]);
      const guess = closest(name, names);
      throw new UsageError(`mlleaks ${spec.name}: unknown option --${name}${guess ? ` (did you mean --${guess}?)` : ""} (see mlleaks ${spec.name} --help)`);
    }
    if (option.type === "boolean") {
      if (eq !== -1) throw new UsageError(`mlleaks ${spec.name}: --${name} takes no value`);
      options[canonical] = true;
      continue;
    }
    let raw: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined || (eq === -1 && raw.startsWith("--"))) {
      throw new UsageError(`mlleaks ${spec.name}: --${name} needs a value (${option.valueName ?? option.type})`);
    }
    options[canonical] = convert(spec.name, name, option, raw, option.max ?? COUNT_LIMITS[canonical]);
  }
  const allowed = spec.positionals?.length ?? 0;
  if (positionals.length > allowed) {
    throw new UsageError(`mlleaks ${spec.name}: unexpected argument '${positionals[allowed]}' (see mlleaks ${spec.name} --help)`);
  }
  for (const [name, option] of Object.entries(spec.options)) {
    if (options[name] !== undefined) continue;
    if (option.required) throw new UsageError(`mlleaks ${spec.name}: --${name} is required`);
    if (option.default !== undefined) options[name] = Array.isArray(option.default) ? [...option.default] : (option.default as string | number | boolean);
  }
  return { options, positionals };
}

function optionName(spec: CommandSpec, name: string): string | undefined {
  if (Object.hasOwn(spec.options, name)) return name;
  return Object.entries(spec.options).find(([, o]) => o.aliases?.includes(name))?.[0];
}

/** The candidate nearest to `input` by edit distance, if it is near enough to be a typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(input.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(input, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

function convert(command: string, name: string, option: OptionSpec, raw: string, max: number | undefined): string | number | string[] {
  const where = `mlleaks ${command}: --${name}`;
  switch (option.type) {
    case "number":
    case "integer": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value) || (option.type === "integer" && !Number.isInteger(value))) {
        throw new UsageError(`${where} expects ${option.type === "integer" ? "an integer" : "a number"}, got '${raw}'`);
      }
      if (max !== undefined && value > max) throw new UsageError(`${where} expects at most ${max}, got ${raw}`);
      return value;
    }
    case "list": {
      const values = raw.split(",").map((v) => v.trim()).filter((v) => v !== "");
      if (values.length === 0) throw new UsageError(`${where} expects a comma-separated list, got '${raw}'`);
      for (const v of values) checkChoice(where, option, v);
      return values;
    }
    default:
      checkChoice(where, option, raw);
      return raw;
  }
}

function checkChoice(where: string, option: OptionSpec, value: string): void {
  if (option.choices && !option.choices.includes(value)) {
    throw new UsageError(`${where} expects one of ${option.choices.join(", ")}; got '${value}'`);
  }
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`mlleaks ${spec.name}: ${spec.summary}`, "", `usage: ${spec.usage}`, "", "options:"];
  const entries = Object.entries(spec.options).map(([name, o]) => {
    const left = o.type === "boolean" ? `--${name}` : `--${name} ${o.valueName ?? o.type.toUpperCase()}`;
    const max = o.max ?? COUNT_LIMITS[name];
    const extra = (o.required ? " (required)" : o.default !== undefined ? ` (default: ${String(o.default)})` : "") + (max !== undefined && (o.type === "integer" || o.type === "number") ? ` (at most ${max})` : "");
    return [left, o.description + extra] as const;
  });
  entries.push(["--help", "show this help"]);
  const width = Math.max(...entries.map(([l]) => l.length)) + 2;
  for (const [left, right] of entries) lines.push(`  ${left.padEnd(width)}${right}`);
  return lines.join("\n");
}
