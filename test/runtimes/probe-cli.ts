// Runs the cross-runtime probe on the package's bundled datasets and prints its result as one JSON
// line; test/runtimes-deno.node.test.ts runs this under Deno and compares with Node's.
import { bundledDataSource } from "../../src/adapters/node/dataset-source.js";
import { runProbe } from "./probe.js";

console.log(JSON.stringify(await runProbe({ source: bundledDataSource() })));
