// The ONNX fixtures (test/fixtures/models/) for the target-model tests: model bytes, their .npz
// records (x float32, y int32; numpy.savez stored or savez_compressed deflated, read by
// src/records) and fixtures.json.
import { readFile } from "node:fs/promises";
import { readRecords, toLabeledData } from "../src/records/index.js";
import type { LabeledData } from "../src/types.js";

const folder = new URL("../../test/fixtures/models/", import.meta.url);

export const MODEL_FIXTURES = ["digits-mlp", "fashion-cnn-logits"] as const;
export type ModelFixture = (typeof MODEL_FIXTURES)[number];
export type FixturePart = "members" | "nonmembers" | "population";

export async function fixtureBytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL(file, folder)));
}

export function fixturePath(file: string): string {
  return decodeURIComponent(new URL(file, folder).pathname);
}

export async function fixtureFacts(name: ModelFixture): Promise<{ train_acc: number; test_acc: number; output_kind: string; classes: number }> {
  const json = JSON.parse(new TextDecoder().decode(await fixtureBytes("fixtures.json"))) as { models: Record<string, never> };
  return json.models[name];
}

/** One .npz of records (x: the model's input, y: labels), through the project's record reader. */
export async function fixtureRecords(name: ModelFixture, part: FixturePart): Promise<LabeledData> {
  const file = `${name}.${part}.npz`;
  return toLabeledData(await readRecords(await fixtureBytes(file), file), 10);
}

/** Awaits `run()` and checks that it fails with a message matching `pattern`. */
export async function rejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`expected an Error matching ${pattern}, got ${String(error)}`);
    if (!pattern.test(error.message)) throw new Error(`expected an error matching ${pattern}, got: ${error.message}`);
    return;
  }
  throw new Error(`expected an error matching ${pattern}, got none`);
}
