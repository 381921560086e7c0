// npm test: every test/**/*.test.ts (compiled to dist/test) under Node with uvu, then the portable
// ones again under Deno. A file named *.node.test.ts is Node-only (it needs a Node-only API or
// drives another runtime itself). Prints one closing line: "tests: N passed, N failed".
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const testRoot = join(root, "dist", "test");
const only = process.argv[2];
const runNode = only !== "--deno";
const runDeno = only !== "--node";

function testFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith(".test.js") ? [path] : [];
    });
}

const files = testFiles(testRoot);
const denoBin = join(root, "node_modules", ".bin", "deno");
let passed = 0;
let failed = 0;

function runFile(label, cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } });
  const out = (result.stdout ?? "") + (result.stderr ?? "");
  const p = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const ok = result.status === 0 && total > 0 && p === total;
  passed += p;
  failed += ok ? 0 : Math.max(1, total - p);
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${label}  (${p}/${total})\n`);
  if (!ok) process.stdout.write(out.replace(/^/gm, "     ") + "\n");
}

for (const file of files) {
  const name = relative(root, file);
  if (runNode) runFile(`node ${name}`, process.execPath, [file]);
  if (runDeno && !file.endsWith(".node.test.js")) runFile(`deno ${name}`, denoBin, ["run", "-A", "--quiet", file]);
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
