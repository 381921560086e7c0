// Any model spec the user gives (`--model M`) to the source that opens it: an .onnx file, a tfjs
// model.json or the folder holding it, a folder `mlleaks train` wrote (its meta.json), an http(s)
// URL to a model.json, or a deployed model's /v1/models/NAME or /v2/models/NAME endpoint. The
// core only decides; the file system is asked through a probe the runtime's adapter supplies.

export type ModelSpecKind = "onnx" | "tfjs" | "mlleaks" | "tfjs-url" | "endpoint";

/** What the decision needs from the file system (Node: fs.stat). */
export interface ModelSpecProbe {
  isDirectory(path: string): Promise<boolean>;
  isFile(path: string): Promise<boolean>;
  join(dir: string, name: string): string;
}

export const MODEL_SPEC_FORMS =
  "an .onnx file, a tfjs model.json or the folder holding it, a folder written by `mlleaks train`, an http(s) URL to a model.json, " +
  "or a model server URL ending in /v1/models/NAME (TF Serving, KServe v1) or /v2/models/NAME (Open Inference Protocol)";

export class ModelSpecError extends Error {
  override readonly name = "ModelSpecError";
}

const ENDPOINT_PATH = /\/v[12]\/models\/[^/:]+(\/versions\/[^/:]+)?(:predict|\/infer)?\/?$/;

/** What `spec` names, and where to open it from (a folder resolves to its model.json or itself). */
export async function classifyModelSpec(spec: string, probe: ModelSpecProbe): Promise<{ kind: ModelSpecKind; location: string }> {
  if (spec.trim() === "") throw new ModelSpecError(`model: expected ${MODEL_SPEC_FORMS}; got an empty string`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== "http" && scheme !== "https") throw new ModelSpecError(`model '${spec}': ${scheme}:// is not supported; expected ${MODEL_SPEC_FORMS}`);
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new ModelSpecError(`model '${spec}': not a valid URL`);
    }
    if (url.pathname.endsWith("/model.json") || url.pathname.endsWith(".json")) return { kind: "tfjs-url", location: spec };
    if (ENDPOINT_PATH.test(url.pathname)) return { kind: "endpoint", location: spec };
    throw new ModelSpecError(`model '${spec}': a URL must point to a tfjs model.json or a model server's /v1/models/NAME or /v2/models/NAME; expected ${MODEL_SPEC_FORMS}`);
  }
  if (await probe.isDirectory(spec)) {
    if (await probe.isFile(probe.join(spec, "meta.json"))) return { kind: "mlleaks", location: spec };
    if (await probe.isFile(probe.join(spec, "model.json"))) return { kind: "tfjs", location: probe.join(spec, "model.json") };
    throw new ModelSpecError(`model '${spec}': the folder holds no model.json (tfjs) or meta.json (mlleaks train); expected ${MODEL_SPEC_FORMS}`);
  }
  if (!(await probe.isFile(spec))) throw new ModelSpecError(`model '${spec}': no such file or folder`);
  const lower = spec.toLowerCase();
  if (lower.endsWith(".onnx")) return { kind: "onnx", location: spec };
  if (lower.endsWith(".json")) {
    const dir = spec.slice(0, Math.max(spec.lastIndexOf("/"), 0)) || ".";
    return (await probe.isFile(probe.join(dir, "meta.json"))) && lower.endsWith("model.json") ? { kind: "mlleaks", location: dir } : { kind: "tfjs", location: spec };
  }
  throw new ModelSpecError(`model '${spec}': unknown model format; expected ${MODEL_SPEC_FORMS}`);
}
