// Every GraphQL document the Railway adapter can send, each with the types of its variables and the
// zod shape of its data. Kept in one file so documents.test.ts validates all of them against Railway's
// published schema: a misspelled field fails CI, not a rotation. `skipDeploys: true` and
// `unrendered: true` are literals in the documents, so no caller can forget them; the bulk
// `variableCollectionUpsert` (whose `replace` deletes every other variable) is never used.
import type { z } from "zod";
import {
  deployDataSchema,
  deploymentCancelDataSchema,
  deploymentDataSchema,
  variableDeleteDataSchema,
  variablesDataSchema,
  variableUpsertDataSchema,
} from "./schema.js";

export interface GraphqlDocument<Variables, Data> {
  readonly operationName: string;
  readonly query: string;
  readonly data: z.ZodType<Data>;
  /** Type-level only: the variables this document takes. */
  readonly variables?: Variables;
}

function document<Variables, Data>(operationName: string, query: string, data: z.ZodType<Data>): GraphqlDocument<Variables, Data> {
  return { operationName, query, data };
}

interface Scope {
  projectId: string;
  environmentId: string;
  /** Absent: the environment's shared variables. */
  serviceId?: string;
}

/** Unrendered, so `${{shared.X}}` references come back as written and survive a restore. */
export const readVariables = document<Scope, z.infer<typeof variablesDataSchema>>(
  "KeyRotatorReadVariables",
  `query KeyRotatorReadVariables($projectId: String!, $environmentId: String!, $serviceId: String) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: true)
}`,
  variablesDataSchema,
);

/** One variable, never a deployment: the adapter deploys once per round itself and waits for it. */
export const upsertVariable = document<Scope & { name: string; value: string }, z.infer<typeof variableUpsertDataSchema>>(
  "KeyRotatorUpsertVariable",
  `mutation KeyRotatorUpsertVariable($projectId: String!, $environmentId: String!, $serviceId: String, $name: String!, $value: String!) {
  variableUpsert(input: {projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, name: $name, value: $value, skipDeploys: true})
}`,
  variableUpsertDataSchema,
);

/** Restoring "absent". The input has no skipDeploys: Railway may deploy by itself (see README). */
export const deleteVariable = document<Scope & { name: string }, z.infer<typeof variableDeleteDataSchema>>(
  "KeyRotatorDeleteVariable",
  `mutation KeyRotatorDeleteVariable($projectId: String!, $environmentId: String!, $serviceId: String, $name: String!) {
  variableDelete(input: {projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, name: $name})
}`,
  variableDeleteDataSchema,
);

/** Returns the new deployment's id, which is what makes polling exact. */
export const deployService = document<{ environmentId: string; serviceId: string }, z.infer<typeof deployDataSchema>>(
  "KeyRotatorDeployService",
  `mutation KeyRotatorDeployService($environmentId: String!, $serviceId: String!) {
  serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId)
}`,
  deployDataSchema,
);

export const deploymentStatus = document<{ id: string }, z.infer<typeof deploymentDataSchema>>(
  "KeyRotatorDeploymentStatus",
  `query KeyRotatorDeploymentStatus($id: String!) {
  deployment(id: $id) {
    id
    status
  }
}`,
  deploymentDataSchema,
);

/** After a timeout: a deployment that goes live later would serve a key the rollback is about to revoke. */
export const cancelDeployment = document<{ id: string }, z.infer<typeof deploymentCancelDataSchema>>(
  "KeyRotatorCancelDeployment",
  `mutation KeyRotatorCancelDeployment($id: String!) {
  deploymentCancel(id: $id)
}`,
  deploymentCancelDataSchema,
);

/** All of them, for the schema contract test and the fake's "only known documents" check. */
export const RAILWAY_DOCUMENTS = [readVariables, upsertVariable, deleteVariable, deployService, deploymentStatus, cancelDeployment] as const;
