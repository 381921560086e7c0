// mlleaks audit --shokri-inputs: parsed into the library's shokriInputs; a bad value names the flag.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { attackOptionsFrom } from "../src/cli/attack-options.js";

const test = suite("--shokri-inputs");

test("label-log, log-standardized and raw pass through; anything else is a usage error naming the flag", () => {
  assert.equal(attackOptionsFrom({ "shokri-inputs": "label-log" }), { shokriInputs: "label-log" });
  assert.equal(attackOptionsFrom({ "shokri-inputs": "raw" }), { shokriInputs: "raw" });
  assert.equal(attackOptionsFrom({ "shokri-inputs": "log-standardized" }), { shokriInputs: "log-standardized" });
  assert.throws(() => attackOptionsFrom({ "shokri-inputs": "logits" }), /mlleaks audit: --shokri-inputs: expected one of label-log, log-standardized, raw, got 'logits'/);
});

test.run();
