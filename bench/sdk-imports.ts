// Cold import time of each cloud SDK the destinations may load, unbundled from node_modules, each in a
// fresh `node` process (nothing cached but the OS's file cache): the price a config pays per SDK it names.
import { spawn } from "node:child_process";
import { REPO } from "./bundle-variants.js";

export const SDKS = [
  "@aws-sdk/client-secrets-manager",
  "@google-cloud/secret-manager",
  "google-auth-library",
  "@azure/keyvault-secrets",
  "@azure/identity",
  "@aws-sdk/client-dynamodb",
] as const;

const CHILD = `
const t0 = performance.now(); const c0 = process.cpuUsage();
await import(process.argv[1]);
const cpu = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));
`;

export interface ImportSample {
  ms: number;
  cpuMs: number;
}

/** One cold import of a package, resolved from the repository's node_modules. */
export function importOnce(specifier: string): Promise<ImportSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, specifier], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`importing ${specifier} failed (${code}): ${err.slice(0, 500)}`));
      else resolve(JSON.parse(out) as ImportSample);
    });
  });
}

/** `rounds` samples of every SDK, interleaved so a burst of load on the machine hits all alike. */
export async function sampleSdkImports(rounds: number): Promise<Map<string, ImportSample[]>> {
  const samples = new Map<string, ImportSample[]>(SDKS.map((sdk) => [sdk, []]));
  for (let round = 0; round < rounds; round++) {
    for (const sdk of SDKS) samples.get(sdk)!.push(await importOnce(sdk));
  }
  return samples;
}
