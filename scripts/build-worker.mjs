// npm run build:worker: the edge check as a Cloudflare worker. Bundles deploy/workerd/worker.ts
// with esbuild into deploy/workerd/dist/worker.js and copies build/kernels.wasm next to it, where
// deploy/workerd/config.capnp (workerd) and deploy/workerd/wrangler.toml (wrangler) expect them.
// The .wasm import stays an import: the runtime hands it over as a compiled module binding.
// Needs `npm run build` first (build/kernels.wasm and the generated kernel module).
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const workerDir = join(root, "deploy", "workerd");
export const kernelsWasm = join(root, "build", "kernels.wasm");

/** esbuild settings for a worker module whose `./kernels.wasm` import is a module binding. */
export const workerBundle = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  external: ["./kernels.wasm"],
  logLevel: "warning",
};

export async function buildWorker() {
  if (!existsSync(kernelsWasm)) throw new Error(`${relative(root, kernelsWasm)} is missing: run \`npm run build\` first`);
  const out = join(workerDir, "dist");
  mkdirSync(out, { recursive: true });
  await esbuild.build({ ...workerBundle, entryPoints: [join(workerDir, "worker.ts")], outfile: join(out, "worker.js") });
  copyFileSync(kernelsWasm, join(out, "kernels.wasm"));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  try {
    console.log(`built ${relative(root, await buildWorker())}/worker.js and kernels.wasm`);
  } catch (error) {
    console.error(`build:worker failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
