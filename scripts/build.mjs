// Build: esbuild turns the TypeScript entry points into ESM under dist/ in well under a second.
// Type checking is `npm run typecheck` (tsc --noEmit); packages stay external, and code splitting
// keeps every destination's dynamic import() a separate chunk, loaded only when a config uses it.
import { build } from "esbuild";
import { chmod, rm } from "node:fs/promises";

await rm("dist", { recursive: true, force: true });
await build({
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
});
await chmod("dist/cli.js", 0o755);
