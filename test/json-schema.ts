// A small JSON Schema (2020-12) validator for the keywords schema/report.schema.json uses: $ref to
// #/$defs, type, const, enum, properties, required, additionalProperties, items, prefixItems,
// min/maxItems, minimum, maximum, exclusiveMinimum/Maximum, pattern, oneOf, allOf. An unknown
// keyword is an error, so the schema cannot silently use one this does not check.
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  "$schema", "$id", "title", "description", "$defs", "$ref", "type", "const", "enum", "properties", "required", "additionalProperties",
  "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern", "oneOf", "allOf",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The errors of `value` against `schema` (empty when valid), each with its JSON path. */
export function validate(root: Schema, value: unknown, schema: Schema = root, path = "$"): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`schema keyword ${key} at ${path} is not supported by this validator`);
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace(/^#\/\$defs\//, "");
    const target = (root.$defs as Record<string, Schema>)[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return validate(root, value, target, path);
  }
  const errors: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((x) => x === t || (x === "number" && t === "integer"))) return [`${path}: expected ${types.join(" or ")}, got ${t}`];
  }
  if ("const" in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: ${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${path}: ${value} > maximum ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`${path}: ${value} <= exclusive minimum ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) errors.push(`${path}: ${value} >= exclusive maximum ${schema.exclusiveMaximum}`);
  }
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) errors.push(`${path}: '${value}' does not match ${schema.pattern}`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: ${value.length} items, fewer than ${schema.minItems}`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push(`${path}: ${value.length} items, more than ${schema.maxItems}`);
    const prefix = (schema.prefixItems as Schema[] | undefined) ?? [];
    value.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : (schema.items as Schema | undefined);
      if (itemSchema) errors.push(...validate(root, item, itemSchema, `${path}[${i}]`));
    });
  }
  if (t === "object") {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in object)) errors.push(`${path}: missing required ${key}`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, v] of Object.entries(object)) {
      if (properties[key]) errors.push(...validate(root, v, properties[key], `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
      else if (typeof schema.additionalProperties === "object") errors.push(...validate(root, v, schema.additionalProperties as Schema, `${path}.${key}`));
    }
  }
  if (schema.allOf) for (const sub of schema.allOf as Schema[]) errors.push(...validate(root, value, sub, path));
  if (schema.oneOf) {
    const results = (schema.oneOf as Schema[]).map((sub) => validate(root, value, sub, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing !== 1) errors.push(passing === 0 ? `${path}: matches none of oneOf (${results.map((r) => r[0]).join("; ")})` : `${path}: matches ${passing} of oneOf`);
  }
  return errors;
}
