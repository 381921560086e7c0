// Runs the cross-runtime probe and prints its result as one JSON line; test/runtimes-deno.node.test.ts
// runs this under Deno and compares with Node's.
import { runProbe } from "./probe.js";

console.log(JSON.stringify(await runProbe()));
