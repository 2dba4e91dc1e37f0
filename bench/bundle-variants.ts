// Variants of the Lambda bundle, built from the very options that make dist/lambda.mjs
// (scripts/build.mjs `lambdaBuildOptions`), for the cold-start bench and the cold-start test:
// - lazy: as shipped. Each destination (and the SDK it loads) sits behind a dynamic import(), which
//   esbuild, without splitting, inlines as a wrapped module evaluated on first import().
// - eager: every string-literal import() in our own sources becomes a static import, so every
//   destination module and every SDK is evaluated when the bundle is imported.
// - split: the lazy entry with code splitting (several files): what the one-file rule costs.
// - markers: each module of a watched SDK or provider records its name in
//   `globalThis.__keyRotatorEvaluated` when evaluated, which proves what a cold start evaluates.
import { build, type BuildOptions, type Plugin } from "esbuild";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO = fileURLToPath(new URL("..", import.meta.url));

/** SDK packages a dotenv-only Lambda must never evaluate. */
export const WATCHED_PACKAGES = [
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-dynamodb",
  "@aws-sdk/lib-dynamodb",
  "@google-cloud/secret-manager",
  "google-gax",
  "google-auth-library",
  "@azure/keyvault-secrets",
  "@azure/identity",
  "@vercel/sdk",
] as const;

/** Our own modules that talk to those services (marked as `provider:<folder>` / `state:dynamodb`). */
export const WATCHED_PROVIDERS = ["aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vercel", "railway"] as const;

export const MARKER_GLOBAL = "__keyRotatorEvaluated";

export interface VariantOptions {
  outfile: string;
  eager?: boolean;
  markers?: boolean;
  /** Code splitting into outfile's directory (the entry keeps outfile's name). */
  split?: boolean;
}

export interface BuiltVariant {
  /** The entry file to import. */
  path: string;
  /** Bytes of every file the build wrote, source maps excluded. */
  bytes: number;
  /** Bytes of the entry file alone. */
  entryBytes: number;
  /** The markers the build put in (with `markers`): every watched package and provider in the bundle. */
  markers: string[];
}

/** scripts/build.mjs's options for dist/lambda.mjs (a .mjs with no types, hence the cast). */
export async function lambdaBuildOptions(): Promise<BuildOptions> {
  const script = pathToFileURL(join(REPO, "scripts", "build.mjs")).href;
  const module = (await import(script)) as { lambdaBuildOptions: BuildOptions };
  return module.lambdaBuildOptions;
}

export async function buildLambdaVariant(options: VariantOptions): Promise<BuiltVariant> {
  const base = await lambdaBuildOptions();
  const markers = new Set<string>();
  const plugins = options.eager || options.markers ? [variantPlugin(options, markers)] : [];
  const output = options.split
    ? { splitting: true, outdir: dirname(options.outfile), entryNames: fileStem(options.outfile), outExtension: { ".js": ".mjs" } }
    : { outfile: options.outfile };
  const { outfile: _outfile, ...rest } = base;
  const result = await build({ ...rest, ...output, absWorkingDir: REPO, plugins, metafile: true, logLevel: "error" });
  let bytes = 0;
  for (const [file, meta] of Object.entries(result.metafile.outputs)) if (!file.endsWith(".map")) bytes += meta.bytes;
  return { path: options.outfile, bytes, entryBytes: (await stat(options.outfile)).size, markers: [...markers].sort() };
}

function fileStem(path: string): string {
  return path.slice(dirname(path).length + 1).replace(/\.m?js$/, "");
}

const PACKAGE_OF = /.*node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/;
// A provider's schema.ts loads eagerly by design (the registry validates every type); its adapter must not.
const PROVIDER_OF = /[\\/]providers[\\/]([^\\/]+)[\\/](?!schema\.ts$)[^\\/]+\.ts$/;
const STATE_DYNAMODB = /[\\/]src[\\/]state[\\/]dynamodb-[^\\/]+\.ts$/;
// A dynamic import of a string literal in code, not in a type (`typeof import("x")`).
const DYNAMIC_IMPORT = /(?<!typeof\s*)\bimport\(\s*(["'])([^"'`]+)\1\s*\)/g;

/** The marker a file records when evaluated, if it is watched. */
export function markerOf(path: string): string | undefined {
  const pkg = PACKAGE_OF.exec(path)?.[1]?.replace(/\\/g, "/");
  if (pkg !== undefined) return (WATCHED_PACKAGES as readonly string[]).includes(pkg) ? pkg : undefined;
  const provider = PROVIDER_OF.exec(path)?.[1];
  if (provider !== undefined) return (WATCHED_PROVIDERS as readonly string[]).includes(provider) ? `provider:${provider}` : undefined;
  return STATE_DYNAMODB.test(path) ? "state:dynamodb" : undefined;
}

function variantPlugin(options: VariantOptions, injected: Set<string>): Plugin {
  return {
    name: "key-rotator-variant",
    setup(builder) {
      builder.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        const ownSource = args.path.endsWith(".ts") && !args.path.includes("node_modules");
        const marker = options.markers ? markerOf(args.path) : undefined;
        if (marker === undefined && !(options.eager && ownSource)) return undefined;
        let text = await readFile(args.path, "utf8");
        if (options.eager && ownSource) text = makeImportsStatic(text);
        // Appended, not prepended: a leading statement would turn a "use strict" prologue into a no-op.
        if (marker !== undefined) injected.add(marker);
        if (marker !== undefined) text += `\n;(globalThis.${MARKER_GLOBAL} ??= new Set()).add(${JSON.stringify(marker)});\n`;
        return { contents: text, loader: args.path.endsWith(".ts") ? "ts" : "js", resolveDir: dirname(args.path) };
      });
    },
  };
}

/** `import("x")` → a namespace imported statically at the top, so it is evaluated with the bundle. */
export function makeImportsStatic(text: string): string {
  const names = new Map<string, string>();
  const body = text.replace(DYNAMIC_IMPORT, (_match, _quote: string, specifier: string) => {
    const name = names.get(specifier) ?? `__eager${names.size}`;
    names.set(specifier, name);
    return `Promise.resolve(${name})`;
  });
  if (names.size === 0) return text;
  const imports = [...names].map(([specifier, name]) => `import * as ${name} from ${JSON.stringify(specifier)};`);
  return `${imports.join("\n")}\n${body}`;
}
