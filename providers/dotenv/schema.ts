// Config of the `dotenv` destination: one variable in one .env file.
import { z } from "zod";

export const dotenvConfigSchema = z
  .object({
    type: z.literal("dotenv"),
    id: z.string().min(1).optional().describe("Unique id of this destination within the key; default dotenv:<path>#<variable>"),
    path: z.string().min(1).describe("Path of the .env file, relative to the working directory"),
    variable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name: letters, digits and _, not starting with a digit")
      .describe("Name of the variable that holds the key, e.g. MGA_API_KEY"),
  })
  .strict()
  .describe("A variable in a .env file; rewritten atomically, every other line kept");

export type DotenvConfig = z.infer<typeof dotenvConfigSchema>;
