// Build: esbuild turns the TypeScript entry points into ESM under dist/ in well under a second.
// Type checking is `npm run typecheck` (tsc --noEmit).
// - The CLI: packages stay external, and code splitting keeps every destination's dynamic import() a
//   separate chunk, loaded only when a config uses it.
// - The Lambda (dist/lambda.mjs): ONE self-contained file, packages bundled, so the deployment package
//   is that file (plus a config) with no node_modules. Without splitting, esbuild inlines each dynamic
//   import() but wraps the module in an init function run on first import(), so a destination's code
//   and its SDK are still evaluated only when a config uses them (bench/ measures what that saves).
// Importing this file gives the options (the bench and tests build variants from them); running it builds.
import { build } from "esbuild";
import { chmod, rm } from "node:fs/promises";
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";

/** @type {import("esbuild").BuildOptions} */
export const cliBuildOptions = {
  entryPoints: { cli: "src/cli.ts", "write-json-schema": "src/config/write-json-schema.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
};

/** @type {import("esbuild").BuildOptions} */
export const lambdaBuildOptions = {
  entryPoints: ["src/lambda.ts"],
  outfile: "dist/lambda.mjs",
  bundle: true,
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node22",
  packages: "bundle",
  // Bundled CommonJS packages call require() for Node built-ins and some read __dirname at load
  // (google-gax); ESM has neither, so the banner makes them, for the bundle's own file.
  banner: {
    js: [
      'import { createRequire as __krCreateRequire } from "node:module";',
      'import { fileURLToPath as __krFileURLToPath } from "node:url";',
      'import { dirname as __krDirname } from "node:path";',
      "const require = __krCreateRequire(import.meta.url);",
      "const __filename = __krFileURLToPath(import.meta.url);",
      "const __dirname = __krDirname(__filename);",
    ].join(" "),
  },
  minify: true,
  keepNames: true,
  sourcemap: true,
  logLevel: "warning",
};

const root = fileURLToPath(new URL("..", import.meta.url));

export async function buildAll() {
  await rm("dist", { recursive: true, force: true });
  await build({ ...cliBuildOptions, absWorkingDir: root });
  await build({ ...lambdaBuildOptions, absWorkingDir: root });
  await chmod("dist/cli.js", 0o755);
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  process.chdir(root);
  await buildAll();
}
