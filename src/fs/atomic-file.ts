// File primitives shared by everything that rewrites a file we must never leave half-written (the
// state file, a consumer's .env file): errno codes, whether a pid lives, an in-process queue per
// file, and the atomic replace (temp file in the same directory, fsync, mode and owner, rename over,
// fsync of the directory). Temp files may hold a key, so a killed writer's leftovers are removable.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A pid we cannot signal for lack of permission (EPERM) is alive. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) !== "ESRCH";
  }
}

const queues = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task queued under the same key in this process has settled. */
export async function serializedBy<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const current = previous.then(() => new Promise<void>((resolveDone) => (done = resolveDone)));
  queues.set(key, current);
  await previous;
  try {
    return await task();
  } finally {
    done();
    if (queues.get(key) === current) queues.delete(key);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is atomic there all the same.
    if (codeOf(error) !== "EINVAL" && codeOf(error) !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

const tempPrefix = (file: string) => `.${basename(file)}.`;

/** Removes temp files of `file` whose writer (named by pid in the temp file's name) is gone. */
export async function removeAbandonedTemps(file: string): Promise<void> {
  const prefix = tempPrefix(file);
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (match && !processExists(Number(match[1]))) await unlink(join(dirname(file), name)).catch(() => undefined);
  }
}

export interface ReplaceOptions {
  mode: number;
  /** Keep this owner where we may (as root); otherwise the file becomes ours with the same mode. */
  owner?: { uid: number; gid: number };
}

/** Replaces `file` with `text` so that readers see the old file or the new one, never a mix. */
export async function replaceFileAtomically(file: string, text: string, options: ReplaceOptions): Promise<void> {
  const directory = dirname(file);
  const temp = join(directory, `${tempPrefix(file)}${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.chmod(options.mode);
    const { owner } = options;
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      await handle.chown(owner.uid, owner.gid).catch(() => undefined);
    }
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}
