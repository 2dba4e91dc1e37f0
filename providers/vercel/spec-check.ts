// Test helper: checks requests the fake received against Vercel's OpenAPI subset
// (shared/specs/vercel/openapi-subset.json, read in place, never copied into the repo): the path and
// method exist, every query parameter is declared (and within its enum), and every JSON body field
// is a declared property of the operation's request body (required ones present, enums respected).
import { readFileSync } from "node:fs";
import type { FakeRequest } from "./fake.js";

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

interface Operation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
}

const SPEC_URL = new URL("../../../shared/specs/vercel/openapi-subset.json", import.meta.url);
let spec: Spec | undefined;

function loadSpec(): Spec {
  spec ??= JSON.parse(readFileSync(SPEC_URL, "utf8")) as Spec;
  return spec;
}

function findOperation(method: string, path: string): { template: string; operation: Operation } | undefined {
  for (const [template, item] of Object.entries(loadSpec().paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(path)) return { template, operation };
  }
  return undefined;
}

function checkValue(value: unknown, schema: JsonSchema, where: string, problems: string[]): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants && !schema.properties && !schema.items) {
    const fits = variants.filter((variant) => {
      const found: string[] = [];
      checkValue(value, variant, where, found);
      return found.length === 0;
    });
    if (fits.length === 0) problems.push(`${where}: matches none of the spec's ${variants.length} variants`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (Array.isArray(value)) {
    if (schema.type !== undefined && schema.type !== "array") problems.push(`${where}: an array where the spec has ${schema.type}`);
    value.forEach((item, index) => schema.items && checkValue(item, schema.items, `${where}[${index}]`, problems));
    return;
  }
  if (typeof value === "object" && value !== null) {
    if (schema.type !== undefined && schema.type !== "object") problems.push(`${where}: an object where the spec has ${schema.type}`);
    const properties = schema.properties ?? {};
    for (const [name, field] of Object.entries(value)) {
      const declared = properties[name];
      if (!declared) problems.push(`${where}.${name}: not a property the spec declares`);
      else checkValue(field, declared, `${where}.${name}`, problems);
    }
    for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${where}.${name}: required by the spec`);
    return;
  }
  const type = typeof value === "number" ? "number" : typeof value;
  if (schema.type !== undefined && !["object", "array"].includes(schema.type) && schema.type !== type && !(schema.type === "integer" && type === "number")) {
    problems.push(`${where}: a ${type} where the spec has ${schema.type}`);
  }
}

/** Problems with one request; empty when it is a call the spec declares, made as declared. */
export function specProblems(request: FakeRequest): string[] {
  const label = `${request.method} ${request.path}`;
  const found = findOperation(request.method, request.path);
  if (!found) return [`${label}: no such operation in the spec`];
  const problems: string[] = [];
  const parameters = new Map((found.operation.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(request.query)) {
    const parameter = parameters.get(name);
    if (!parameter) problems.push(`${label}: query parameter ${name} is not declared for ${found.template}`);
    else if (parameter.schema?.enum && !parameter.schema.enum.includes(value)) {
      problems.push(`${label}: query ${name}=${value} not in ${JSON.stringify(parameter.schema.enum)}`);
    }
  }
  const bodySchema = found.operation.requestBody?.content["application/json"]?.schema;
  if (request.body !== undefined) {
    if (!bodySchema) problems.push(`${label}: sends a body the spec does not declare`);
    else checkValue(request.body, bodySchema, `${label} body`, problems);
  }
  return problems;
}

/** Every problem of every request, for one `expect(...).toEqual([])`. */
export function specProblemsOf(requests: readonly FakeRequest[]): string[] {
  return requests.flatMap(specProblems);
}
