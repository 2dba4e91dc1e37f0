// The AWS SAM template (deploy/sam/template.yaml) against the code it deploys: the handler and bundle
// it names, the schedule's input the handler must accept, the table the DynamoDB state store must
// accept (dynalite, a real DynamoDB implementation), IAM grants equal to the calls the store and the
// Secrets Manager destination really make, and a rehearsal: deploy/sam/package.mjs fills a function
// directory, and the bundle there, given the template's environment, rotates a key when invoked with
// the schedule's input. No AWS: `sam validate`, `sam build` and CloudFormation itself are not run.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CreateTableCommand, DynamoDBClient, ScanCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { readVariable } from "../../providers/dotenv/dotenv-format.js";
import { startHarness, rotationContext, SECRET_ID, mgaKey } from "../../providers/aws-secrets-manager/test-harness.js";
import { startFakeMga } from "../../providers/mga/fake.js";
import { parseConfig } from "../../src/config/load.js";
import { SecretValue } from "../../src/core/secret.js";
import * as lambdaModule from "../../src/lambda.js";
import { parseLambdaInput } from "../../src/lambda/input.js";
import { openDynamoDbStateStore } from "../../src/state/dynamodb-store.js";
import { lockItem } from "../../src/state/dynamodb-items.js";
import { assertNoSecretIn } from "../support/invariants.js";
import { CREDENTIALS, REGION, startDynalite, uniqueTable, type Dynalite } from "../state/dynamodb-support.js";
import {
  actionsOf,
  buildPrivately,
  evaluate,
  parseCloudFormation,
  policyStatements,
  repoPath,
  resourcesOf,
  runProcess,
  type EvaluationContext,
  type PrivateBuild,
  type Template,
} from "./support.js";

const TEMPLATE_PATH = repoPath("deploy", "sam", "template.yaml");
const template = parseCloudFormation(readFileSync(TEMPLATE_PATH, "utf8")) as Template;
const resources = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const one = (type: string) => {
  const found = ofType(type);
  expect(found.map(([id]) => id), type).toHaveLength(1);
  return found[0]!;
};
const [functionId, fn] = one("AWS::Serverless::Function");
const [, table] = one("AWS::DynamoDB::Table");
const [, schedule] = one("AWS::Scheduler::Schedule");
const props = (resource: { Properties?: Record<string, unknown> }) => resource.Properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What Ref/GetAtt of the template's resources stand for in these tests. */
function contextFor(tableName: string, parameters: Record<string, unknown> = {}): EvaluationContext {
  const arn = (service: string, name: string) => `arn:aws:${service}:us-east-1:123456789012:${name}`;
  const values: Record<string, unknown> = {};
  for (const [id, resource] of resources) {
    const name = resource.Type === "AWS::DynamoDB::Table" ? tableName : `${id.toLowerCase()}-name`;
    values[id] = name;
    values[`${id}.Arn`] = {
      "AWS::DynamoDB::Table": arn("dynamodb", `table/${name}`),
      "AWS::SQS::Queue": arn("sqs", name),
      "AWS::Serverless::Function": arn("lambda", `function:${name}`),
      "AWS::IAM::Role": `arn:aws:iam::123456789012:role/${name}`,
      "AWS::Scheduler::Schedule": arn("scheduler", `schedule/default/${name}`),
    }[resource.Type];
    values[`${id}.QueueName`] = name;
  }
  return { template, parameters: { MgaAdminKeySecretId: "key-rotator/mga-admin-key", ...parameters }, resources: values };
}

/** The secret a `{{resolve:secretsmanager:ID:SecretString}}` dynamic reference names. */
function dynamicSecretId(value: unknown): string | undefined {
  return typeof value === "string" ? /^\{\{resolve:secretsmanager:(.+):SecretString\}\}$/.exec(value)?.[1] : undefined;
}

let build: PrivateBuild;
let dynalite: Dynalite;
beforeAll(async () => {
  [build, dynalite] = await Promise.all([buildPrivately(), startDynalite()]);
});
afterAll(async () => {
  await Promise.all([build?.close(), dynalite?.close()]);
});

describe("the SAM template: the function", () => {
  it("runs the bundle's `handler` export from lambda.mjs, on Node 22+ arm64, with Lambda's longest timeout", async () => {
    const p = props(fn);
    const [file, exportName] = (p.Handler as string).split(".") as [string, string];
    const scripts = (await import(repoPath("scripts", "build.mjs"))) as { lambdaBuildOptions: { outfile: string; target: string } };
    expect(`${file}.mjs`).toBe(basename(scripts.lambdaBuildOptions.outfile));
    expect(typeof (lambdaModule as Record<string, unknown>)[exportName]).toBe("function");
    // The built bundle, loaded by plain node as Lambda loads it (not through the test runner's transform).
    const probe = await runProcess(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(`file://${build.lambda}`)}); console.log(typeof m[${JSON.stringify(exportName)}]);`], {
      env: { PATH: process.env.PATH },
    });
    expect(probe.stdout.trim(), probe.stderr).toBe("function");

    const runtime = Number(/^nodejs(\d+)\.x$/.exec(p.Runtime as string)?.[1]);
    expect(runtime).toBeGreaterThanOrEqual(22);
    expect(runtime).toBeGreaterThanOrEqual(Number(/^node(\d+)/.exec(scripts.lambdaBuildOptions.target)?.[1]));
    expect(p.Architectures).toEqual(["arm64"]);
    expect(p.Timeout).toBe(900);
    expect(p.MemorySize).toBeGreaterThanOrEqual(256);
  });

  it("is built by function/Makefile's target for it, from the files package.mjs writes", async () => {
    expect(fn.Metadata).toMatchObject({ BuildMethod: "makefile" });
    const codeDir = repoPath("deploy", "sam", props(fn).CodeUri as string);
    const makefile = readFileSync(join(codeDir, "Makefile"), "utf8");
    expect(makefile).toMatch(new RegExp(`^build-${functionId}:`, "m"));
    const packaging = (await import(repoPath("deploy", "sam", "package.mjs"))) as { CONFIG_NAME: string; BUNDLE_NAME: string };
    const env = evaluate(props(fn).Environment.Variables, contextFor("t")) as Record<string, string>;
    expect(env.KEY_ROTATOR_CONFIG).toBe(packaging.CONFIG_NAME);
    expect(packaging.BUNDLE_NAME).toBe(`${(props(fn).Handler as string).split(".")[0]}.mjs`);
    for (const name of [packaging.CONFIG_NAME, packaging.BUNDLE_NAME]) expect(makefile).toContain(name);
  });

  it("takes MGA_ADMIN_KEY from Secrets Manager by a dynamic reference, and sets every variable the example config reads", () => {
    const env = evaluate(props(fn).Environment.Variables, contextFor("key-rotator-state")) as Record<string, string>;
    expect(dynamicSecretId(env.MGA_ADMIN_KEY)).toBe("key-rotator/mga-admin-key");
    expect(env.KEY_ROTATOR_SEAL_KEY, "unset without SealKeySecretId").toBeUndefined();
    const withSeal = evaluate(props(fn).Environment.Variables, contextFor("t", { SealKeySecretId: "key-rotator/seal" })) as Record<string, string>;
    expect(dynamicSecretId(withSeal.KEY_ROTATOR_SEAL_KEY)).toBe("key-rotator/seal");

    const example = readFileSync(repoPath("deploy", "sam", "key-rotator.example.yaml"), "utf8");
    const resolved = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, dynamicSecretId(value) ? `resolved-${name}` : value]));
    const { config } = parseConfig(example, { ...resolved, AWS_REGION: "us-east-1" });
    expect(config.state).toMatchObject({ type: "dynamodb", table: "key-rotator-state" });
  });

  it("is not retried by Lambda when a run fails (the schedule's next tick resumes), and sends the failure to the queue", () => {
    const config = props(fn).EventInvokeConfig as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(config.MaximumRetryAttempts).toBe(0);
    expect(config.DestinationConfig.OnFailure.Type).toBe("SQS");
    const queue = config.DestinationConfig.OnFailure.Destination["Fn::GetAtt"] as string[];
    expect(template.Resources[queue[0]!]?.Type).toBe("AWS::SQS::Queue");
    expect(queue[1]).toBe("Arn");
  });
});

describe("the SAM template: the schedule", () => {
  const target = props(schedule).Target as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("ticks daily at 03:00, exactly, with a bounded retry policy and a dead-letter queue", () => {
    const expression = evaluate(props(schedule).ScheduleExpression, contextFor("t"));
    expect(expression).toBe("cron(0 3 * * ? *)");
    expect(props(schedule).FlexibleTimeWindow).toEqual({ Mode: "OFF" });
    const { MaximumRetryAttempts: attempts, MaximumEventAgeInSeconds: age } = target.RetryPolicy as Record<string, number>;
    expect(attempts).toBeGreaterThanOrEqual(0);
    expect(attempts).toBeLessThanOrEqual(185);
    expect(age).toBeGreaterThanOrEqual(60);
    expect(age).toBeLessThanOrEqual(86_400);
    const dlq = target.DeadLetterConfig.Arn["Fn::GetAtt"] as string[];
    expect(template.Resources[dlq[0]!]?.Type).toBe("AWS::SQS::Queue");
    expect(target.Arn).toEqual({ "Fn::GetAtt": [functionId, "Arn"] });
  });

  it("invokes through a role only EventBridge Scheduler can assume, allowed to invoke this function and write the queue", () => {
    const roleId = (target.RoleArn["Fn::GetAtt"] as string[])[0]!;
    const role = template.Resources[roleId]!;
    expect(role.Type).toBe("AWS::IAM::Role");
    const trust = props(role).AssumeRolePolicyDocument.Statement as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(trust.map((s) => s.Principal.Service)).toEqual(["scheduler.amazonaws.com"]);
    const context = contextFor("t");
    const statements = policyStatements(context).filter((s) => s.owner === roleId);
    const grants = statements.flatMap((s) => actionsOf(s).map((action) => `${action} ${resourcesOf(s).join(",")}`));
    const fnArn = evaluate(target.Arn, context) as string;
    const dlqArn = evaluate(target.DeadLetterConfig.Arn, context) as string;
    expect(grants).toEqual([`lambda:InvokeFunction ${fnArn},${fnArn}:*`, `sqs:SendMessage ${dlqArn}`]);
  });

  it("sends an input the handler accepts, with Scheduler's context attributes filled in", () => {
    const scheduledTime = "2026-12-01T03:00:00Z";
    const executionId = randomUUID();
    const input = (target.Input as string).replaceAll("<aws.scheduler.scheduled-time>", scheduledTime).replaceAll("<aws.scheduler.execution-id>", executionId);
    expect(parseLambdaInput(JSON.parse(input))).toEqual({ scheduledTime, executionId });
  });
});

describe("the SAM template: the state table and IAM", () => {
  const tableProps = props(table);

  function createTableInput(name: string): CreateTableCommandInput {
    return { TableName: name, AttributeDefinitions: tableProps.AttributeDefinitions, KeySchema: tableProps.KeySchema, BillingMode: tableProps.BillingMode };
  }

  it("is on-demand, kept on stack deletion, with point-in-time recovery and TTL on the attribute the store's lock items carry", () => {
    expect(tableProps.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.DeletionPolicy).toBe("Retain");
    expect(tableProps.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(tableProps.TimeToLiveSpecification.Enabled).toBe(true);
    const lock = lockItem("k", { id: "o", host: "h", pid: 1 }, new Date("2026-01-01T00:00:00Z"), 60_000);
    expect(lock[tableProps.TimeToLiveSpecification.AttributeName as string]?.N).toBeDefined();
  });

  it("has the key schema the store checks, and grants exactly the DynamoDB calls the store makes, on that table only", async () => {
    const name = uniqueTable();
    const raw = new DynamoDBClient({ region: REGION, endpoint: dynalite.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    await raw.send(new CreateTableCommand(createTableInput(name)));
    // createTable: true describes the existing table and refuses any other key schema (STATE_TABLE_INVALID).
    const checked = await openDynamoDbStateStore({ table: name, region: REGION, endpoint: dynalite.endpoint, createTable: true, clientConfig: { credentials: CREDENTIALS } });
    await checked.close();

    const used = new Set<string>();
    const client = new DynamoDBClient({ region: REGION, endpoint: dynalite.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    client.middlewareStack.add((next, context) => (args) => {
      used.add(`dynamodb:${String(context.commandName).replace(/Command$/, "")}`);
      return next(args);
    });
    const store = await openDynamoDbStateStore({ table: name, client });
    const owner = { id: "owner-1", host: "test", pid: 1 };
    const lock = (await store.acquireLock("k", owner, 60_000))!;
    await lock.renew();
    const record = { keyId: "k" } as unknown as Parameters<typeof store.save>[1];
    const version = await store.save("k", record, 0);
    await store.save("k", record, version);
    await store.load("k");
    const finishedAt = "2026-01-01T00:00:00.000Z";
    await store.appendHistory({ keyId: "k", rotationId: "r1", outcome: "succeeded", startedAt: finishedAt, finishedAt } as unknown as Parameters<typeof store.appendHistory>[0]);
    await store.listHistory("k");
    await store.listHistory();
    const items = (await raw.send(new ScanCommand({ TableName: name }))).Items ?? [];
    await lock.release();
    await store.close();
    client.destroy();
    raw.destroy();

    const ttl = tableProps.TimeToLiveSpecification.AttributeName as string;
    expect(items.find((item) => item.sk?.S === "lock")?.[ttl]?.N, "the lock item's TTL attribute").toMatch(/^\d+$/);
    const context = contextFor(name);
    const dynamo = policyStatements(context).filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
    expect(dynamo).toHaveLength(1);
    expect(new Set(actionsOf(dynamo[0]!))).toEqual(used);
    expect(resourcesOf(dynamo[0]!)).toEqual([`arn:aws:dynamodb:us-east-1:123456789012:table/${name}`]);
  });

  it("grants exactly the Secrets Manager calls the destination makes, on the SecretArns given, and nothing without them", async () => {
    const harness = await startHarness();
    try {
      const old = mgaKey("old");
      harness.fake.seed(SECRET_ID, old);
      const { destination } = harness;
      const context = rotationContext();
      const fresh = new SecretValue(mgaKey("new"));
      const before = await destination.read();
      await destination.write(fresh, context);
      await destination.staged?.(context);
      await destination.activate(context);
      await destination.confirm(fresh.fingerprint, context);
      const previous = (await destination.previous?.(context)) ?? before;
      await destination.restore(previous, context);
      await destination.retire?.([fresh.fingerprint], context);
      const used = new Set(harness.fake.requests.map((r) => `secretsmanager:${r.operation}`));

      const arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/mga-api-key-??????"];
      const granted = policyStatements(contextFor("t", { SecretArns: arns.join(",") })).filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
      expect(granted).toHaveLength(1);
      expect(new Set(actionsOf(granted[0]!))).toEqual(used);
      expect(resourcesOf(granted[0]!)).toEqual(arns);
      const none = policyStatements(contextFor("t")).filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:") || a.startsWith("kms:")));
      expect(none, "with SecretArns empty").toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it("names no `*` resource in any statement for DynamoDB, Secrets Manager, KMS, SQS or Lambda", () => {
    const parameters = { SecretArns: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-??????", SecretsKmsKeyArns: "arn:aws:kms:us-east-1:123456789012:key/k" };
    const statements = policyStatements(contextFor("t", parameters));
    const scoped = statements.filter((s) => actionsOf(s).some((a) => /^(dynamodb|secretsmanager|kms|sqs|lambda):/.test(a)));
    expect(scoped.length).toBeGreaterThanOrEqual(5);
    for (const statement of scoped) {
      for (const resource of resourcesOf(statement)) expect(resource, `${statement.owner} ${actionsOf(statement).join(",")}`).toMatch(/^arn:aws:[a-z-]+:[a-z0-9-]*:\d*:[^*]/);
      expect(resourcesOf(statement)).not.toContain("*");
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    }
  });
});

describe("deploy/sam/package.mjs and the template's environment, rehearsed", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses a config with file state", async () => {
    const run = await runProcess(process.execPath, [repoPath("deploy", "sam", "package.mjs"), "--config", repoPath("config", "key-rotator.example.yaml"), "--out", join(tmpdir(), "never"), "--dist", build.dist], {
      env: { PATH: process.env.PATH },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('state.type is "file"');
  });

  it("packages a function directory whose bundle, given the template's environment and the schedule's input, rotates a key", async () => {
    dir = await mkdtemp(join(tmpdir(), "key-rotator-sam-"));
    const mga = await startFakeMga({ bots: ["bot_demo"] });
    try {
      const admin = mga.seedKey({ name: "admin", permission: "admin" });
      const original = mga.seedKey({ name: "Production Server", permission: "write" });
      const envFile = join(dir, "consumer.env");
      await writeFile(envFile, `MGA_API_KEY=${original.secret}\n`);
      const tableName = uniqueTable();
      const raw = new DynamoDBClient({ region: REGION, endpoint: dynalite.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
      await raw.send(new CreateTableCommand({ TableName: tableName, AttributeDefinitions: props(table).AttributeDefinitions, KeySchema: props(table).KeySchema, BillingMode: "PAY_PER_REQUEST" }));

      // The operator's config, as key-rotator.example.yaml has it, pointed at the fakes.
      const example = parse(readFileSync(repoPath("deploy", "sam", "key-rotator.example.yaml"), "utf8")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const config = {
        issuer: { ...example.issuer, baseUrl: mga.url },
        state: { ...example.state, region: REGION, endpoint: dynalite.endpoint },
        keys: [{ ...example.keys[0], revokeAfter: "0s", revokeOnlyIfUnused: false, verify: { botId: "bot_demo" }, destinations: [{ type: "dotenv", path: envFile, variable: "MGA_API_KEY" }] }],
      };
      const configPath = join(dir, "lambda-config.yaml");
      await writeFile(configPath, stringify(config));
      const out = join(dir, "function");
      const packaged = await runProcess(process.execPath, [repoPath("deploy", "sam", "package.mjs"), "--config", configPath, "--out", out, "--dist", build.dist], { env: { PATH: process.env.PATH } });
      expect(packaged.code, packaged.stderr).toBe(0);

      // Lambda: the handler's file in the code root (.js, .mjs or .cjs), the template's environment
      // with its dynamic reference resolved as CloudFormation would, AWS_REGION and the role's credentials.
      const [file, exportName] = (props(fn).Handler as string).split(".") as [string, string];
      const handlerFiles = [".js", ".mjs", ".cjs"].map((ext) => join(out, file + ext)).filter((path) => existsSync(path));
      expect(handlerFiles).toHaveLength(1);
      const secrets: Record<string, string> = { "key-rotator/mga-admin-key": admin.secret };
      const templateEnv = evaluate(props(fn).Environment.Variables, contextFor(tableName)) as Record<string, string>;
      const env = Object.fromEntries(Object.entries(templateEnv).map(([name, value]) => [name, dynamicSecretId(value) ? secrets[dynamicSecretId(value)!]! : value]));
      const input = (props(schedule).Target.Input as string).replaceAll("<aws.scheduler.scheduled-time>", "2026-12-01T03:00:00Z").replaceAll("<aws.scheduler.execution-id>", randomUUID());
      const invoke = `const m = await import(process.env.TEST_HANDLER_URL); const r = await m[process.env.TEST_EXPORT](JSON.parse(process.env.TEST_EVENT), { awsRequestId: "req-1", getRemainingTimeInMillis: () => 900000 }); console.log(JSON.stringify(r));`;
      const run = await runProcess(process.execPath, ["--input-type=module", "-e", invoke], {
        cwd: dir, // not the code root: a relative KEY_ROTATOR_CONFIG must resolve against LAMBDA_TASK_ROOT
        env: {
          PATH: process.env.PATH,
          ...env,
          LAMBDA_TASK_ROOT: out,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          TEST_HANDLER_URL: `file://${handlerFiles[0]}`,
          TEST_EXPORT: exportName,
          TEST_EVENT: input,
        },
        timeoutMs: 60_000,
      });
      expect(run.code, run.stderr.slice(-3000)).toBe(0);
      const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { ok: boolean; outcomes: Array<{ keyId: string; action: string }> };
      expect(result.ok).toBe(true);
      expect(result.outcomes.map((o) => [o.keyId, o.action])).toEqual([["production-server", "succeeded"]]);

      const value = readVariable(await readFile(envFile, "utf8"), "MGA_API_KEY")!;
      expect(value).not.toBe(original.secret);
      expect(mga.isValid(value)).toBe(true);
      expect(mga.isValid(original.secret)).toBe(false);
      const items = (await raw.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
      expect(items.map((item) => `${item.pk?.S} ${item.sk?.S}`)).toContain("key#production-server record");
      raw.destroy();
      assertNoSecretIn(mga.issuedSecrets(), { stdout: run.stdout, stderr: run.stderr, table: JSON.stringify(items) });
    } finally {
      await mga.close();
    }
  });
});
