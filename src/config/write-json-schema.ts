// Writes config/key-rotator.schema.json from the zod schema. Run from the package root:
// `npm run schema` (built), or `npx tsx src/config/write-json-schema.ts`. An argument overrides the path.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { JSON_SCHEMA_FILE, renderJsonSchema } from "./json-schema.js";

const target = resolve(process.argv[2] ?? JSON_SCHEMA_FILE);
await writeFile(target, renderJsonSchema());
console.log(`wrote ${target}`);
