// Browser builds with esbuild, from the tsc output in dist/ (run `npm run build` first):
//   buildWeb():          the audit page -> dist/web (index.html, app.js, training-worker.js (the
//                        Web Worker that trains models), style.css, the three tfjs-backend-wasm
//                        binaries and onnxruntime-web's under wasm/, the bundled datasets under datasets/)
//   buildBrowserTests(): every portable test file, bundled for the browser -> dist/browser-test,
//                        plus run.html that runs one of them (or the cross-runtime probe)
// `node scripts/build-web.mjs` (npm run build:web) builds the page.
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { isBuiltin } from "node:module";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const webOut = join(root, "dist", "web");
export const browserTestOut = join(root, "dist", "browser-test");
const wasmDir = join(root, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist");
export const TFJS_WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];
// onnxruntime-web's wasm build: the glue is bundled into app.js, the binary is served beside tfjs's.
const ortDir = join(root, "node_modules", "onnxruntime-web", "dist");
export const ORT_WASM_FILE = "ort-wasm-simd-threaded.wasm";

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
  // tfjs probes `process` to detect Node; leave it undefined in the page.
  define: { "process.env.NODE_ENV": '"production"' },
};

function requireTsc() {
  if (!existsSync(join(root, "dist", "src", "index.js"))) {
    throw new Error(`${join(root, "dist", "src")} is missing: run \`npm run build\` first`);
  }
}

export async function buildWeb() {
  requireTsc();
  rmSync(webOut, { recursive: true, force: true });
  mkdirSync(join(webOut, "wasm"), { recursive: true });
  // The page's TypeScript is bundled from source; tsc checks its types first (web/tsconfig.json).
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "web", "tsconfig.json")], { stdio: "inherit" });
  await esbuild.build({ ...common, entryPoints: { app: join(root, "web", "main.ts"), "training-worker": join(root, "web", "training-worker.ts") }, outdir: webOut, minify: true });
  for (const name of ["index.html", "style.css"]) copyFileSync(join(root, "web", name), join(webOut, name));
  for (const name of TFJS_WASM_FILES) copyFileSync(join(wasmDir, name), join(webOut, "wasm", name));
  copyFileSync(join(ortDir, ORT_WASM_FILE), join(webOut, "wasm", ORT_WASM_FILE));
  const datasets = join(root, "datasets");
  if (existsSync(datasets)) cpSync(datasets, join(webOut, "datasets"), { recursive: true });
  return webOut;
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith(".test.js") && !name.endsWith(".node.test.js") ? [path] : [];
    });
}

/**
 * Bundles the portable tests for the browser. A test that imports a Node API (node:fs to read the
 * package's datasets, say) cannot run in a page: it is listed in `nodeOnly` with the modules it
 * needs, and the harness reports it as skipped, by name.
 */
export async function buildBrowserTests() {
  requireTsc();
  const files = testFiles(join(root, "dist", "test"));
  const runnable = [];
  const nodeOnly = [];
  for (const file of files) {
    // Bundled for the browser as it would be; what fails to resolve because it is a Node built-in
    // marks the test as Node-only. Any other build error is a real failure.
    try {
      await esbuild.build({ ...common, entryPoints: [file], write: false, outdir: "/", sourcemap: false, logLevel: "silent" });
      runnable.push(file);
    } catch (error) {
      const messages = error.errors ?? [];
      const builtins = messages.map((m) => /^Could not resolve "([^"]+)"/.exec(m.text)?.[1]).filter((name) => name && (name.startsWith("node:") || isBuiltin(name)));
      if (builtins.length === 0 || builtins.length !== messages.length) throw error;
      nodeOnly.push({ file: relative(root, file), needs: [...new Set(builtins)].sort() });
    }
  }
  rmSync(browserTestOut, { recursive: true, force: true });
  mkdirSync(browserTestOut, { recursive: true });
  const entryPoints = Object.fromEntries(runnable.map((file) => [relative(join(root, "dist", "test"), file).replace(/\.js$/, "").replaceAll("/", "__"), file]));
  entryPoints.run = join(root, "dist", "test", "browser", "runner.js");
  await esbuild.build({ ...common, entryPoints, outdir: browserTestOut, splitting: true, chunkNames: "chunks/[name]-[hash]" });
  writeFileSync(
    join(browserTestOut, "run.html"),
    '<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>mlleaks browser tests</title>\n<script type="module" src="./run.js"></script>\n</html>\n',
  );
  const bundles = Object.keys(entryPoints).filter((name) => name !== "run").map((name) => ({ name: `${name}.js`, file: relative(root, entryPoints[name]) }));
  return { dir: browserTestOut, bundles, nodeOnly };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  try {
    console.log(`built ${relative(root, await buildWeb())}/`);
  } catch (error) {
    console.error(`build:web failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
