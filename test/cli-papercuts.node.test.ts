// The CLI's small promises: `mlleaks help CMD` is CMD's help, typos get a "did you mean", every
// count option has a stated maximum (checked before anything starts, named in the message), and
// datasets commands take --data-dir like audit (--dir still accepted).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { COUNT_LIMITS } from "../src/cli/args.js";
import { main } from "../src/cli/main.js";

const cli = suite("cli: papercuts");

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...xs: unknown[]) => void out.push(xs.join(" "));
  console.error = (...xs: unknown[]) => void err.push(xs.join(" "));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

cli("mlleaks help audit shows audit's own help", async () => {
  const { code, out } = await run("help", "audit");
  assert.is(code, 0);
  assert.match(out, /^mlleaks audit: /);
  assert.match(out, /--shadows N .*\(at most 256\)/);
  assert.match((await run("help", "datasets", "fetch")).out, /^mlleaks datasets fetch: /);
});

cli("unknown options and commands get a did-you-mean", async () => {
  const option = await run("audit", "--dataset", "digits", "--shadow", "3");
  assert.is(option.code, 2);
  assert.match(option.err, /unknown option --shadow \(did you mean --shadows\?\)/);
  const command = await run("audti");
  assert.is(command.code, 2);
  assert.match(command.err, /unknown command 'audti' \(did you mean 'audit'\?\)/);
  assert.not.match((await run("audit", "--zzzzzzzz", "1")).err, /did you mean/);
});

cli("count options past their stated maximum are usage errors naming the option", async () => {
  const shadows = await run("audit", "--dataset", "digits", "--shadows", "100000");
  assert.is(shadows.code, 2);
  assert.match(shadows.err, /--shadows expects at most 256, got 100000/);
  const seed = await run("train", "--dataset", "digits", "--seed", "1e20", "--out", "unused");
  assert.is(seed.code, 2);
  assert.match(seed.err, /mlleaks train: --seed expects at most 9007199254740991, got 1e20/);
  assert.not.match(seed.err, /part-size/);
  for (const name of ["epochs", "part-size", "noise-queries", "workers"]) assert.type(COUNT_LIMITS[name], "number");
});

cli("datasets commands take --data-dir, as audit does, and still --dir", async () => {
  const help = await run("datasets", "list", "--help");
  assert.match(help.out, /--data-dir DIR/);
  const viaAlias = await run("datasets", "list", "--json", "--dir", "/nonexistent-mlleaks-dir");
  const viaName = await run("datasets", "list", "--json", "--data-dir", "/nonexistent-mlleaks-dir");
  assert.is(viaAlias.code, 0);
  assert.is(viaAlias.out, viaName.out);
});

cli.run();
