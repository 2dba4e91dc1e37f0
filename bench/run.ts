// `npm run bench`: what lazy loading buys the Lambda, measured in one run and printed side by side.
// 1. Builds, outside the repository (no node_modules in reach), the shipped bundle (lazy), an eager
//    variant (every dynamic import() made static), and for comparison a code-split variant.
// 2. Cold start: a fresh `node` per sample imports the bundle, then calls the handler once against the
//    sandbox (fake MGA + .env), where nothing is due: import time, and time to the first response.
// 3. Each cloud SDK's cold import, unbundled. 4. One full rotation against its critical-path floor.
// Samples are interleaved across variants so a burst of load on a shared machine hits all alike.
import { cpus, loadavg, tmpdir } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildLambdaVariant, type BuiltVariant } from "./bundle-variants.js";
import { invokeBundle, nodeModulesAbove, type ChildReport } from "./invoke.js";
import { measureFloor } from "./rotation-floor.js";
import { sampleSdkImports, SDKS } from "./sdk-imports.js";
import { bytes, median, ms, ratio, spread, table } from "./table.js";
import { startSandbox } from "../src/demo/sandbox.js";

// The in-process rotation loads the AWS SDK, whose notice about Node 20 says nothing about the bench.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SDK_ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 5);
const ROTATION_ROUNDS = Number(process.env.BENCH_ROTATION_ROUNDS ?? 3);
const VARIANTS = ["lazy", "eager", "split"] as const;
type Variant = (typeof VARIANTS)[number];

interface Samples {
  importMs: number[];
  importCpuMs: number[];
  firstResponseMs: number[];
}

async function buildVariants(dir: string): Promise<Record<Variant, BuiltVariant>> {
  const [lazy, eager, split] = await Promise.all([
    buildLambdaVariant({ outfile: join(dir, "lazy", "lambda.mjs") }),
    buildLambdaVariant({ outfile: join(dir, "eager", "lambda.mjs"), eager: true }),
    buildLambdaVariant({ outfile: join(dir, "split", "lambda.mjs"), split: true }),
  ]);
  const reachable = nodeModulesAbove(dir);
  if (reachable) throw new Error(`${reachable} is in reach of the bundles: the bench would not measure a lone bundle`);
  return { lazy, eager, split };
}

function firstResponse(report: ChildReport | undefined, variant: Variant): number {
  const first = report?.invocations[0];
  if (!report || !first?.ok) throw new Error(`${variant}: the handler did not answer: ${JSON.stringify(first ?? report)}`);
  const action = first.result.outcomes[0]?.action;
  if (action !== "not-due") throw new Error(`${variant}: expected nothing due, got ${action}`);
  return report.importMs + first.ms;
}

async function sampleColdStarts(built: Record<Variant, BuiltVariant>, env: Record<string, string>): Promise<Record<Variant, Samples>> {
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, { importMs: [], importCpuMs: [], firstResponseMs: [] }])) as unknown as Record<
    Variant,
    Samples
  >;
  for (let round = -1; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const run = await invokeBundle({ bundle: built[variant].path, env, events: [{}] });
      const response = firstResponse(run.report, variant);
      if (round < 0) continue; // the first round warms the OS file cache
      samples[variant].importMs.push(run.report!.importMs);
      samples[variant].importCpuMs.push(run.report!.importCpuMs);
      samples[variant].firstResponseMs.push(response);
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`key-rotator Lambda bench: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${ROUNDS} fresh processes per variant (BENCH_ROUNDS), ${SDK_ROUNDS} per SDK (BENCH_SDK_ROUNDS); times are median / p90.`);
  console.log("On a busy machine trust the CPU rows: wall time includes waiting for a core.");

  const dir = await mkdtemp(join(tmpdir(), "key-rotator-bench-"));
  const sandbox = await startSandbox({ only: ["dotenv"] });
  try {
    const built = await buildVariants(dir);
    const env = { ...sandbox.env, KEY_ROTATOR_CONFIG: sandbox.configPath };
    const seeded = await invokeBundle({ bundle: built.lazy.path, env, events: [{}] });
    if (!seeded.report?.invocations[0]?.ok) throw new Error(`the first rotation failed: ${seeded.stderr.slice(-1000)}`);

    const cold = await sampleColdStarts(built, env);
    const m = (v: Variant, k: keyof Samples) => median(cold[v][k]);
    console.log(
      table(
        "Cold start of the Lambda bundle (dotenv-only config; fresh node process per sample)",
        ["", "lazy (shipped)", "eager", "eager / lazy", "split (not shipped)", "split / lazy"],
        [
          ["bundle size", bytes(built.lazy.bytes), bytes(built.eager.bytes), ratio(built.eager.bytes / built.lazy.bytes), `${bytes(built.split.bytes)}; entry ${bytes(built.split.entryBytes)}`, ratio(built.split.bytes / built.lazy.bytes)],
          ["import, wall", spread(cold.lazy.importMs), spread(cold.eager.importMs), ratio(m("eager", "importMs") / m("lazy", "importMs")), spread(cold.split.importMs), ratio(m("split", "importMs") / m("lazy", "importMs"))],
          ["import, CPU", spread(cold.lazy.importCpuMs), spread(cold.eager.importCpuMs), ratio(m("eager", "importCpuMs") / m("lazy", "importCpuMs")), spread(cold.split.importCpuMs), ratio(m("split", "importCpuMs") / m("lazy", "importCpuMs"))],
          ["first response (import + runtime + a tick, nothing due)", spread(cold.lazy.firstResponseMs), spread(cold.eager.firstResponseMs), ratio(m("eager", "firstResponseMs") / m("lazy", "firstResponseMs")), spread(cold.split.firstResponseMs), ratio(m("split", "firstResponseMs") / m("lazy", "firstResponseMs"))],
        ],
      ),
    );

    const sdk = await sampleSdkImports(SDK_ROUNDS);
    console.log(
      table(
        "Cold import of each SDK, unbundled from node_modules (fresh node process per sample)",
        ["package", "import, wall", "import, CPU"],
        SDKS.map((name) => [name, spread(sdk.get(name)!.map((s) => s.ms)), spread(sdk.get(name)!.map((s) => s.cpuMs))]),
      ),
    );
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }

  const floor = await measureFloor(ROTATION_ROUNDS);
  const { full } = floor;
  const phase = (name: string) => ms(full.phases[name] ?? Number.NaN);
  console.log(
    table(
      `One rotation to every sandbox destination at once (in process, warm; median of ${ROTATION_ROUNDS}), against its critical-path floor`,
      ["", "time"],
      [
        ...Object.entries(floor.alone).map(([type, value]) => [`deploy to ${type} alone`, ms(value)]),
        ["deploy to all, one after another (sum of the above)", ms(floor.serialDeployMs)],
        ["deploy to all, in parallel (this rotation)", phase("deploy")],
        ["create / verify / revoke (this rotation)", `${phase("create")} / ${phase("verify")} / ${phase("revoke")}`],
        ["floor: create + slowest deploy + verify + revoke", ms(floor.floorMs)],
        ["whole rotation, wall", ms(full.wallMs)],
        ["whole rotation / floor", ratio(full.wallMs / floor.floorMs)],
      ],
    ),
  );
  console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
