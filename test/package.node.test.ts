// The package as npm would publish it: `npm pack` ships the runtime files only (dist/src without
// source maps, the result schema, the bundled datasets, README, LICENSE), and publint and
// arethetypeswrong find nothing wrong with its package.json, exports and types.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const pkg = suite("package: fit to publish");
const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "mlleaks-pack-"));
let tarball = "";
let files: string[] = [];

pkg.before(() => {
  // --ignore-scripts: `prepare` would rebuild; the build is already in dist/.
  const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], { cwd: root, encoding: "utf8" });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(scratch, info!.filename);
  files = info!.files.map((f) => f.path);
});

pkg("npm pack ships what a user runs, and nothing of tests, benchmarks, CI or source maps", () => {
  for (const needed of ["LICENSE", "README.md", "package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/bin.js", "dist/src/kernels/wasm-bytes.generated.js", "schema/report.schema.json", "datasets/SHA256SUMS"]) {
    assert.ok(files.includes(needed), `${needed} is missing from the package`);
  }
  const unwanted = files.filter((f) => /^(test|bench|\.ci|dist\/test|dist\/bench|src|scripts|web|assembly)\//.test(f) || f.endsWith(".map"));
  assert.equal(unwanted, []);
});

pkg("publint: no errors or warnings", async () => {
  const { messages } = await publint({ pkgDir: "package", level: "warning", pack: { tarball: readFileSync(tarball).buffer as ArrayBuffer } });
  assert.equal(messages.map((m) => `${m.type} ${m.code} ${m.path.join(".")}`), []);
});

pkg("arethetypeswrong (ESM-only profile): every entry point's types resolve", () => {
  const attw = fileURLToPath(new URL("../../node_modules/@arethetypeswrong/cli/dist/index.js", import.meta.url));
  const result = spawnSync(process.execPath, [attw, tarball, "--profile", "esm-only", "--no-definitely-typed", "--format", "ascii", "--no-color", "--no-emoji"], { cwd: root, encoding: "utf8" });
  assert.is(result.status, 0, result.stdout + result.stderr);
});

pkg("every package the shipped code imports is a dependency (the split tfjs packages, not the umbrella)", () => {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const imported = new Set<string>();
  for (const file of files.filter((f) => f.startsWith("dist/src/") && f.endsWith(".js"))) {
    const code = readFileSync(join(root, file), "utf8");
    for (const [, specifier] of code.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)) {
      if (specifier!.startsWith("node:")) continue;
      imported.add(specifier!.startsWith("@") ? specifier!.split("/").slice(0, 2).join("/") : specifier!.split("/")[0]!);
    }
  }
  assert.ok(imported.has("@tensorflow/tfjs-core") && imported.has("@tensorflow/tfjs-layers"), [...imported].join(", "));
  assert.equal([...imported].filter((name) => !(name in manifest.dependencies)).sort(), []);
});

pkg.after(() => rmSync(scratch, { recursive: true, force: true }));
pkg.run();
