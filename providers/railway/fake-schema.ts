// The slice of Railway's GraphQL schema the fake serves, and its resolvers. The SDL copies the real
// signatures (documents.test.ts checks it against specs/railway/schema.json), so graphql-js rejects
// an unknown field or argument exactly where Railway would. Other operations, notably the bulk
// variableCollectionUpsert, do not exist here at all.
import { buildSchema, type GraphQLSchema } from "graphql";
import { FakeRailwayError, type RailwayFakeState } from "./fake-state.js";

export const RAILWAY_FAKE_SDL = /* GraphQL */ `
scalar EnvironmentVariables

enum DeploymentStatus {
  BUILDING
  CRASHED
  DEPLOYING
  FAILED
  INITIALIZING
  NEEDS_APPROVAL
  QUEUED
  REMOVED
  REMOVING
  SKIPPED
  SLEEPING
  SUCCESS
  WAITING
}

type Deployment {
  id: ID!
  status: DeploymentStatus!
  serviceId: String
  environmentId: String!
  projectId: String!
}

input VariableUpsertInput {
  environmentId: String!
  name: String!
  projectId: String!
  serviceId: String
  skipDeploys: Boolean
  value: String!
}

input VariableDeleteInput {
  environmentId: String!
  name: String!
  projectId: String!
  serviceId: String
}

type Query {
  variables(environmentId: String!, projectId: String!, serviceId: String, unrendered: Boolean): EnvironmentVariables!
  deployment(id: String!): Deployment!
}

type Mutation {
  variableUpsert(input: VariableUpsertInput!): Boolean!
  variableDelete(input: VariableDeleteInput!): Boolean!
  serviceInstanceDeployV2(commitSha: String, environmentId: String!, serviceId: String!): String!
  deploymentCancel(id: String!): Boolean!
}
`;

export function buildFakeSchema(): GraphQLSchema {
  return buildSchema(RAILWAY_FAKE_SDL);
}

export interface ResolverOptions {
  /** Railway's variableDelete has no skipDeploys; the fake assumes it deploys, like an upsert without it. */
  deployOnDelete: boolean;
}

interface ScopeArgs {
  projectId: string;
  environmentId: string;
  serviceId?: string | null;
}

function optional(serviceId: string | null | undefined): string | undefined {
  return serviceId ?? undefined;
}

export function fakeRootValue(state: RailwayFakeState, options: ResolverOptions): Record<string, unknown> {
  const checkScope = (args: { projectId?: string; environmentId: string }) => {
    if (args.projectId !== undefined && args.projectId !== state.projectId) throw new FakeRailwayError("Project not found");
    if (args.environmentId !== state.environmentId) throw new FakeRailwayError("Environment not found");
  };
  const autoDeploy = (services: string[]) => {
    for (const serviceId of services) state.deploy(serviceId, "variable-change");
  };

  return {
    variables: (args: ScopeArgs & { unrendered?: boolean | null }) => {
      checkScope(args);
      return state.variables(optional(args.serviceId), args.unrendered === true);
    },
    deployment: ({ id }: { id: string }) => state.deployment(id),
    variableUpsert: ({ input }: { input: ScopeArgs & { name: string; value: string; skipDeploys?: boolean | null } }) => {
      checkScope(input);
      const affected = state.setVariable(optional(input.serviceId), input.name, input.value);
      if (input.skipDeploys !== true) autoDeploy(affected);
      return true;
    },
    variableDelete: ({ input }: { input: ScopeArgs & { name: string } }) => {
      checkScope(input);
      const serviceId = optional(input.serviceId);
      if (!state.scope(serviceId).has(input.name)) throw new FakeRailwayError("Variable not found");
      const affected = state.setVariable(serviceId, input.name, undefined);
      if (options.deployOnDelete) autoDeploy(affected);
      return true;
    },
    serviceInstanceDeployV2: (args: { environmentId: string; serviceId: string }) => {
      checkScope(args);
      state.scope(args.serviceId);
      return state.deploy(args.serviceId, "api");
    },
    deploymentCancel: ({ id }: { id: string }) => {
      state.cancel(id);
      return true;
    },
  };
}
