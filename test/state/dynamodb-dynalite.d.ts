// Types for dynalite (a DynamoDB implementation on LevelDB, in memory by default), which ships none:
// only what the DynamoDB state store's tests use.
declare module "dynalite" {
  import type { Server } from "node:http";

  interface DynaliteOptions {
    /** How long a new table stays CREATING; default 500. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
