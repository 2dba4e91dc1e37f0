// The Kubernetes manifests (deploy/kubernetes/) and the Compose file (deploy/docker-compose.yaml)
// against the CLI and the image: every command and flag they pass exists in the built CLI, the
// CronJob runs `run` one at a time, the Deployment runs one daemon probed on /healthz and outlives its
// shutdown timeout, pods run as the image's non-root user on a read-only root filesystem with the
// state on a persistent volume, and the config they ship is valid. No cluster and no Docker here:
// `kubectl apply --dry-run=server` and `docker compose config` are not run.
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EXIT } from "../../src/cli/context.js";
import { parseConfig } from "../../src/config/load.js";
import { DEFAULT_SHUTDOWN_TIMEOUT, parseShutdownTimeout } from "../../src/daemon/command.js";
import { imageConfig, numericUser, parseDockerfile } from "./dockerfile.js";
import { buildPrivately, flagsInHelp, parseYamlDocuments, repoPath, REPO, runProcess, type PrivateBuild } from "./support.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (...parts: string[]) => readFileSync(repoPath(...parts), "utf8");
const manifests = ["common.yaml", "cronjob.yaml", "deployment.yaml"].flatMap((file) =>
  parseYamlDocuments(read("deploy", "kubernetes", file), file).map((doc) => ({ file, doc: doc as Doc })),
);
const ofKind = (kind: string): Doc[] => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const cronJob = ofKind("CronJob")[0]!;
const deployment = ofKind("Deployment")[0]!;
const configMap = ofKind("ConfigMap")[0]!;
const claims = ofKind("PersistentVolumeClaim").map((c) => c.metadata.name as string);
const compose = parseYamlDocuments(read("deploy", "docker-compose.yaml"), "docker-compose.yaml")[0] as Doc;
const image = imageConfig(parseDockerfile(read("Dockerfile")).at(-1)!);
const CONFIG_PATH = image.env.KEY_ROTATOR_CONFIG!;
const STATE_VOLUME = image.volumes[0]!;

const workloads = [
  { name: "CronJob", pod: cronJob.spec.jobTemplate.spec.template.spec as Doc, pods: cronJob.spec.jobTemplate.spec.template as Doc },
  { name: "Deployment", pod: deployment.spec.template.spec as Doc, pods: deployment.spec.template as Doc },
];
const containerOf = (pod: Doc): Doc => (pod.containers as Doc[]).find((c) => c.name === "key-rotator")!;
const flagValue = (args: string[], flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
};

/** Every `${NAME}` in the config's string values. */
function variablesIn(value: unknown, names = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1]!);
  else if (value && typeof value === "object") for (const item of Object.values(value)) variablesIn(item, names);
  return names;
}

/** The ConfigMap's config text, and placeholders for the variables it reads (what the Secret provides). */
function shippedConfig(): { text: string; variables: string[]; env: Record<string, string> } {
  const text = (configMap.data as Doc)[posix.basename(CONFIG_PATH)] as string;
  const variables = [...variablesIn(parse(text))];
  return { text, variables, env: Object.fromEntries(variables.map((n) => [n, `placeholder-${n.toLowerCase()}-0123456789abcdefghijklmnop`])) };
}

let build: PrivateBuild;
beforeAll(async () => {
  build = await buildPrivately();
});
afterAll(() => build?.close());

/** The commands the built CLI registers, from its top-level help. */
async function registeredCommands(): Promise<Set<string>> {
  const help = await runProcess(process.execPath, [build.cli, "--help"], { env: { PATH: process.env.PATH } });
  expect(help.code).toBe(0);
  const section = help.stdout.split(/^Commands:$/m)[1] ?? "";
  return new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

/** The command and every `--flag` in `args` exist in the built CLI (`key-rotator <command> --help` exits 0). */
async function expectRealCommand(args: string[], where: string): Promise<void> {
  const [command] = args;
  expect([...(await registeredCommands())], where).toContain(command);
  const help = await runProcess(process.execPath, [build.cli, command!, "--help"], { env: { PATH: process.env.PATH } });
  expect(help.code, `${where}: key-rotator ${command} --help\n${help.stderr}`).toBe(0);
  const known = flagsInHelp(help.stdout);
  for (const flag of args.filter((arg) => arg.startsWith("--"))) expect(known, `${where}: ${command} ${flag}`).toContain(flag);
}

describe("Kubernetes manifests", () => {
  it("are well-formed objects, and reference only the ConfigMap, claim and service account they define", () => {
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, file).toEqual(expect.any(String));
      expect(doc.metadata?.name, file).toEqual(expect.any(String));
    }
    const accounts = ofKind("ServiceAccount").map((a) => a.metadata.name as string);
    for (const { name, pod } of workloads) {
      expect(accounts, name).toContain(pod.serviceAccountName);
      for (const volume of pod.volumes as Doc[]) {
        if (volume.configMap) expect(volume.configMap.name, name).toBe(configMap.metadata.name);
        if (volume.persistentVolumeClaim) expect(claims, name).toContain(volume.persistentVolumeClaim.claimName);
      }
    }
  });

  it("the CronJob runs `key-rotator run`, never two at once, and fails at once on a config error", async () => {
    const { spec } = cronJob;
    expect(spec.concurrencyPolicy).toBe("Forbid");
    expect(spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(spec.jobTemplate.spec.backoffLimit).toBeGreaterThanOrEqual(0);
    const pod = workloads[0]!.pod;
    expect(pod.restartPolicy).toBe("Never"); // podFailurePolicy requires it
    const rules = spec.jobTemplate.spec.podFailurePolicy.rules as Doc[];
    expect(rules).toContainEqual({ action: "FailJob", onExitCodes: { containerName: "key-rotator", operator: "In", values: [EXIT.usage] } });
    const args = containerOf(pod).args as string[];
    expect(args[0]).toBe("run");
    await expectRealCommand(args, "CronJob");
  });

  it("the Deployment runs one daemon, replaced not rolled, probed and scraped on the port it serves, and outlives its shutdown timeout", async () => {
    const { spec } = deployment;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    const pod = workloads[1]!.pod;
    const container = containerOf(pod);
    const args = container.args as string[];
    expect(args[0]).toBe("schedule");
    await expectRealCommand(args, "Deployment");

    const port = Number(flagValue(args, "--port"));
    const ports = container.ports as Doc[];
    const portOf = (ref: string | number) => (typeof ref === "number" ? ref : ports.find((p) => p.name === ref)?.containerPort);
    expect(ports.map((p) => p.containerPort)).toEqual([port]);
    for (const probe of ["livenessProbe", "readinessProbe"]) {
      expect(container[probe].httpGet.path, probe).toBe("/healthz");
      expect(portOf(container[probe].httpGet.port), probe).toBe(port);
    }
    expect(workloads[1]!.pods.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" });

    const shutdownMs = parseShutdownTimeout(flagValue(args, "--shutdown-timeout") ?? DEFAULT_SHUTDOWN_TIMEOUT);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(shutdownMs + 10_000);
  });

  it("both run as the image's non-root user on a read-only root filesystem, config from the ConfigMap, secrets from a Secret, state on the claim", () => {
    const { uid, gid } = numericUser(image.user);
    const configFile = posix.basename(CONFIG_PATH);
    expect(Object.keys(configMap.data as Doc)).toContain(configFile);
    const shipped = shippedConfig();
    const config = parseConfig(shipped.text, shipped.env).config;
    expect(config.state.type).toBe("file");
    const statePath = (config.state as { path: string }).path;

    for (const { name, pod } of workloads) {
      expect(pod.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid });
      expect(pod.securityContext.runAsUser, name).not.toBe(0);
      const container = containerOf(pod);
      expect(container.securityContext, name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      const volumes = new Map((pod.volumes as Doc[]).map((v) => [v.name as string, v]));
      const mounts = container.volumeMounts as Doc[];
      const mountAt = (path: string) => mounts.filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];

      const configMount = mountAt(CONFIG_PATH);
      expect(volumes.get(configMount?.name)?.configMap, `${name}: ${CONFIG_PATH}`).toBeDefined();
      const env = new Map((container.env as Doc[]).map((e) => [e.name as string, e.value as string]));
      expect(env.get("KEY_ROTATOR_CONFIG") ?? CONFIG_PATH, name).toBe(CONFIG_PATH);

      const stateMount = mountAt(statePath);
      expect(stateMount?.mountPath, `${name}: ${statePath}`).toBe(STATE_VOLUME);
      expect(stateMount?.readOnly ?? false).toBe(false);
      expect(volumes.get(stateMount?.name)?.persistentVolumeClaim, `${name}: the journal must outlive the pod`).toBeDefined();
      expect(volumes.get(mountAt("/tmp/x")?.name)?.emptyDir, `${name}: a writable /tmp`).toBeDefined();

      expect((container.envFrom as Doc[]).map((e) => e.secretRef?.name).filter(Boolean), name).toHaveLength(1);
    }
  });

  it("ship a valid config that reads every secret from the environment", () => {
    const { text, variables, env } = shippedConfig();
    expect(variables).toEqual(expect.arrayContaining(["MGA_ADMIN_KEY", "KEY_ROTATOR_SEAL_KEY"]));
    expect(() => parseConfig(text, env)).not.toThrow();
    // Without the Secret, the only problems are the variables it provides.
    const problems = (() => {
      try {
        parseConfig(text, {});
        return [];
      } catch (error) {
        return (error as { issues: string[] }).issues;
      }
    })();
    expect(problems.map((issue) => /environment variable (\w+) is not set/.exec(issue)?.[1]).sort()).toEqual([...variables].sort());
  });
});

describe("docker-compose.yaml", () => {
  const service = compose.services["key-rotator"] as Doc;
  const composeDir = repoPath("deploy");
  let server: Server | undefined;
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it("builds the repository's Dockerfile and runs the daemon with a real command", async () => {
    expect(resolve(composeDir, service.build.context)).toBe(resolve(REPO));
    expect(existsSync(join(resolve(composeDir, service.build.context), service.build.dockerfile))).toBe(true);
    const args = service.command as string[];
    expect(args[0]).toBe("schedule");
    await expectRealCommand(args, "compose");
    expect(service.restart).toMatch(/^(always|unless-stopped|on-failure)/);
    const port = flagValue(args, "--port");
    expect((service.ports as string[]).map((p) => p.split(":").at(-1))).toEqual([port]);
    expect(parseShutdownTimeout(service.stop_grace_period as string)).toBeGreaterThan(parseShutdownTimeout(flagValue(args, "--shutdown-timeout") ?? DEFAULT_SHUTDOWN_TIMEOUT));
  });

  it("mounts the config where the image reads it and keeps the state in a named volume; secrets come from an env_file kept out of git", () => {
    const volumes = service.volumes as Doc[];
    const bind = volumes.find((v) => v.type === "bind")!;
    expect(bind.target).toBe(CONFIG_PATH);
    expect(bind.read_only).toBe(true);
    expect(resolve(composeDir, bind.source)).toBe(repoPath("config", "key-rotator.yaml"));
    const named = volumes.find((v) => v.type === "volume")!;
    expect(named.target).toBe(STATE_VOLUME);
    expect(Object.keys(compose.volumes as Doc)).toContain(named.source);
    expect(service.environment?.KEY_ROTATOR_CONFIG ?? CONFIG_PATH).toBe(CONFIG_PATH);

    const envFiles = service.env_file as string[];
    expect(envFiles).toHaveLength(1);
    expect(existsSync(join(composeDir, `${envFiles[0]}.example`))).toBe(true);
    expect(read("deploy", ".gitignore").split("\n")).toContain(envFiles[0]);
  });

  it("has a healthcheck that passes on a 200 from /healthz and fails on a 503", async () => {
    const test = service.healthcheck.test as string[];
    expect(test[0]).toBe("CMD");
    expect(test.join(" ")).toContain("http://127.0.0.1:8080/healthz");
    let status = 200;
    let asked = "";
    server = createServer((request, response) => {
      asked = request.url ?? "";
      response.writeHead(status).end("{}");
    });
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    const [program, ...args] = test.slice(1).map((part) => part.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`));
    const run = () => runProcess(program === "node" ? process.execPath : program!, args, { env: { PATH: process.env.PATH }, timeoutMs: 10_000 });
    expect((await run()).code).toBe(0);
    expect(asked).toBe("/healthz");
    status = 503;
    expect((await run()).code).toBe(1);
  });
});
