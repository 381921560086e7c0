// npm run test:browser: the Chromium suite. Needs Debian's chromium (/usr/bin/chromium; .ci/run
// installs it) and `npm run build`. Serves dist/web and the bundled tests from 127.0.0.1 with
// COOP/COEP, drives headless Chromium through playwright-core (never a downloaded browser), and:
//   1. runs every portable uvu test file in a page (Node-only ones are listed as skipped);
//   2. runs the cross-runtime probe in the page and in this Node process: every hash must match;
// Any request the pages make outside the server's origin fails the run.
// Prints one closing line: "chromium: N passed, N failed".
import { chromium } from "playwright-core";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBrowserTests, browserTestOut } from "./build-web.mjs";
import { startWebServer } from "./web-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Exactly the flags this machine needs: no sandbox as root, no GPU, and no background traffic to
// hosts the closed network refuses.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TEST_TIMEOUT_MS = 10 * 60 * 1000;

if (!existsSync(CHROMIUM)) {
  console.error(`test:browser: ${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
function report(ok, label, detail = "") {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${label}${detail ? `  ${detail}` : ""}\n`);
}
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");

const tests = await buildBrowserTests();
const { url: origin, server } = await startWebServer({ mounts: { "/_test/": browserTestOut } });
const userDataDir = mkdtempSync(join(tmpdir(), "mlleaks-chromium-"));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  ignoreDefaultArgs: true,
  // playwright-core talks to the browser over --remote-debugging-pipe; without a page to open,
  // --no-startup-window keeps Chromium from opening a default tab.
  args: [...FLAGS, `--user-data-dir=${userDataDir}`, "--remote-debugging-pipe", "--no-startup-window"],
});
const context = await browser.newContext();
const foreign = [];
context.on("request", (request) => {
  const url = request.url();
  if (!url.startsWith(origin) && !url.startsWith("blob:") && !url.startsWith("data:")) foreign.push(url);
});

/** Opens path on the server, waits for window.mlleaksTest.done, returns the state and page errors. */
async function runInPage(path) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await page.goto(origin + path);
    await page.waitForFunction(() => globalThis.mlleaksTest?.done === true, null, { timeout: TEST_TIMEOUT_MS, polling: 100 });
    const state = await page.evaluate(() => globalThis.mlleaksTest);
    return { ...state, errors };
  } finally {
    await page.close();
  }
}

try {
  const browserVersion = browser.version();
  console.log(`chromium ${browserVersion} (${CHROMIUM}), server ${origin}`);

  for (const { name, file } of tests.bundles) {
    const state = await runInPage(`_test/run.html?file=${encodeURIComponent(name)}`);
    const output = stripAnsi(state.output ?? "");
    const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
    const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
    const good = !state.error && total > 0 && ok === total && state.errors.length === 0;
    report(good, `chromium ${file}`, `(${ok}/${total})`);
    if (!good) console.log([state.error, ...state.errors, output].filter(Boolean).join("\n").replace(/^/gm, "     "));
  }
  for (const { file, needs } of tests.nodeOnly) console.log(`skip chromium ${file}  (imports ${needs.join(", ")}: Node and Deno only)`);

  // The probe: the same hashes in this Node process and in the page.
  const { runProbe } = await import(pathToFileURL(join(root, "dist", "test", "runtimes", "probe.js")).href);
  const nodeProbe = await runProbe();
  const state = await runInPage("_test/run.html?probe");
  if (state.error || !state.probe) {
    report(false, "chromium probe", state.error ?? state.errors.join("\n"));
  } else {
    for (const [key, hash] of Object.entries(nodeProbe.hashes)) {
      const page = state.probe.hashes[key];
      report(page === hash, `probe ${key}: node == chromium`, page === hash ? hash.slice(0, 16) : `node ${hash} chromium ${page}`);
    }
    console.log(`probe facts: node ${JSON.stringify(nodeProbe.facts ?? {})}; chromium ${JSON.stringify(state.probe.facts ?? {})}`);
  }

  report(foreign.length === 0, "no request left the page's origin", foreign.length ? foreign.join(", ") : "");
} catch (error) {
  report(false, "browser suite", error instanceof Error ? error.stack : String(error));
} finally {
  await browser.close();
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(`chromium: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
