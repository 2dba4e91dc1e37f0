// Every GraphQL document the adapter can send is valid against Railway's published schema
// (shared/specs/railway/schema.json, introspection from railwayapp/cli), so a misspelled field fails
// here and not in a rotation; the fake's schema slice is checked against the same spec.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildClientSchema,
  buildSchema,
  findBreakingChanges,
  type GraphQLSchema,
  type IntrospectionQuery,
  Kind,
  parse,
  validate,
  visit,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { RAILWAY_DOCUMENTS, readVariables, upsertVariable } from "./documents.js";
import { buildFakeSchema } from "./fake-schema.js";

const SPEC = fileURLToPath(new URL("../../../shared/specs/railway/schema.json", import.meta.url));

let railway: GraphQLSchema;
beforeAll(() => {
  const introspection = JSON.parse(readFileSync(SPEC, "utf8")) as { data: IntrospectionQuery };
  railway = buildClientSchema(introspection.data);
});

function errorsOf(schema: GraphQLSchema, query: string): string[] {
  return validate(schema, parse(query)).map((e) => e.message);
}

/** Every argument, input-object field and selected field name in a document. */
function namesIn(query: string): { fields: string[]; arguments: string[] } {
  const names = { fields: [] as string[], arguments: [] as string[] };
  visit(parse(query), {
    Field: (node) => void names.fields.push(node.name.value),
    Argument: (node) => void names.arguments.push(node.name.value),
    ObjectField: (node) => void names.arguments.push(node.name.value),
  });
  return names;
}

function literalArgument(query: string, name: string): unknown {
  let value: unknown;
  visit(parse(query), {
    ObjectField: (node) => void (node.name.value === name && node.value.kind === Kind.BOOLEAN && (value = node.value.value)),
    Argument: (node) => void (node.name.value === name && node.value.kind === Kind.BOOLEAN && (value = node.value.value)),
  });
  return value;
}

describe("railway GraphQL documents", () => {
  it("covers every document the adapter sends", () => {
    expect(RAILWAY_DOCUMENTS.map((d) => d.operationName)).toEqual([
      "KeyRotatorReadVariables",
      "KeyRotatorUpsertVariable",
      "KeyRotatorDeleteVariable",
      "KeyRotatorDeployService",
      "KeyRotatorDeploymentStatus",
      "KeyRotatorCancelDeployment",
    ]);
  });

  it.each(RAILWAY_DOCUMENTS.map((d) => [d.operationName, d] as const))("%s validates against Railway's schema", (_name, doc) => {
    const definitions = parse(doc.query).definitions;

    const errors = errorsOf(railway, doc.query);

    expect(errors).toEqual([]);
    expect(definitions).toHaveLength(1);
    expect(definitions[0]).toMatchObject({ kind: Kind.OPERATION_DEFINITION, name: { value: doc.operationName } });
  });

  it.each(RAILWAY_DOCUMENTS.map((d) => [d.operationName, d] as const))("%s runs on the fake's schema too", (_name, doc) => {
    expect(errorsOf(buildFakeSchema(), doc.query)).toEqual([]);
  });

  it("catches a misspelled field, argument or input field", () => {
    const field = readVariables.query.replace("variables(", "variablez(");
    const argument = readVariables.query.replace("unrendered: true", "unrender: true");
    const inputField = upsertVariable.query.replace("skipDeploys: true", "skipDeploy: true");
    const selection = RAILWAY_DOCUMENTS.find((d) => d.operationName === "KeyRotatorDeploymentStatus")!.query.replace("status", "state");

    expect(errorsOf(railway, field)).toEqual([expect.stringContaining('Cannot query field "variablez" on type "Query"')]);
    expect(errorsOf(railway, argument)).toEqual([expect.stringContaining('Unknown argument "unrender"')]);
    expect(errorsOf(railway, inputField).join("\n")).toContain('Field "skipDeploy" is not defined by type "VariableUpsertInput"');
    expect(errorsOf(railway, selection)).toEqual([expect.stringContaining('Cannot query field "state" on type "Deployment"')]);
  });

  it("never uses `replace` nor the bulk variableCollectionUpsert", () => {
    const all = RAILWAY_DOCUMENTS.map((d) => namesIn(d.query));

    expect(all.flatMap((n) => n.arguments)).not.toContain("replace");
    expect(all.flatMap((n) => n.fields)).not.toContain("variableCollectionUpsert");
    expect(RAILWAY_DOCUMENTS.map((d) => d.query).join("\n")).not.toMatch(/\breplace\b/);
  });

  it("writes with skipDeploys: true and reads unrendered, as literals in the documents", () => {
    expect(literalArgument(upsertVariable.query, "skipDeploys")).toBe(true);
    expect(literalArgument(readVariables.query, "unrendered")).toBe(true);
  });

  it("keeps the fake's schema a faithful slice of Railway's", () => {
    const changes = schemaDrift(buildFakeSchema(), railway);

    expect(changes).toEqual([]);
  });

  it("the slice check catches a drifted fake signature", () => {
    const drifted = buildSchema(`type Query { deployment(id: ID!): Deployment! }
type Deployment { id: ID! state: String! }`);

    const changes = schemaDrift(drifted, railway);

    expect(changes).toEqual([
      "ARG_CHANGED_KIND: Query.deployment arg id has changed type from ID! to String!.",
      "FIELD_REMOVED: Deployment.state was removed.",
    ]);
  });
});

/** Types, fields and arguments of `slice` that `full` lacks or types differently. Directives are
 * left out: the spec's @deprecated lists fewer locations than graphql-js 16 declares. */
function schemaDrift(slice: GraphQLSchema, full: GraphQLSchema): string[] {
  return findBreakingChanges(slice, full)
    .filter((change) => !change.type.startsWith("DIRECTIVE_"))
    .map((change) => `${change.type}: ${change.description}`)
    .sort();
}
