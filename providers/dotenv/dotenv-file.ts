// The .env file on disk: read it, and replace it atomically (temp file in the same directory, fsync,
// the original's mode and owner, rename over, fsync the directory), one read-modify-write at a time
// per file within this process, so two destinations writing two variables of one file in parallel
// both land. A temp file a killed writer left behind (it holds a key) is removed on the next write.
// File system errors become the project's errors; none of them carries file contents.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, readdir, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { AccessDeniedError, DestinationError, RotatorError, TransientError } from "../../src/core/errors.js";

const NEW_FILE_MODE = 0o600;
const RETRYABLE_CODES = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Maps a file system error to the project's errors; messages name the path, never contents. */
export function fileError(error: unknown, action: string, path: string): RotatorError {
  if (error instanceof RotatorError) return error;
  const code = codeOf(error) ?? "UNKNOWN";
  if (code === "EACCES" || code === "EPERM") {
    return new AccessDeniedError(
      `cannot ${action} .env file ${path}: permission denied (${code}). The key rotator needs read and ` +
        `write access to the file and write access to its directory ${dirname(path)}, because it ` +
        `replaces the file atomically by renaming a new file over it`,
      { cause: error, permission: "read/write file and directory" },
    );
  }
  if (RETRYABLE_CODES.has(code)) {
    return new TransientError(`cannot ${action} .env file ${path}: ${code}`, { cause: error });
  }
  const hints: Record<string, string> = {
    ENOENT: "its directory does not exist; create it first (the rotator creates only the file)",
    ENOTDIR: "a part of its path is not a directory",
    EISDIR: "the path is a directory",
    ENOSPC: "the disk is full",
    EROFS: "the file system is read-only",
  };
  return new DestinationError(`cannot ${action} .env file ${path}: ${hints[code] ?? code}`, { cause: error });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The file's text, or undefined when it does not exist. `strict`: refuse a file that is not valid
 * UTF-8, since rewriting it would change the bytes of other lines.
 */
export async function readEnvFile(path: string, strict = false): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw fileError(error, "read", path);
  }
  if (!strict) return bytes.toString("utf8");
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new DestinationError(`cannot rewrite .env file ${path}: it is not valid UTF-8`, { cause: error });
  }
}

/** Where a write lands: the target of a symlink (so the link survives), else the absolute path. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return resolve(path);
    throw fileError(error, "resolve", path);
  }
}

const queues = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task on the same file in this process has settled. */
async function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let done!: () => void;
  const current = previous.then(() => new Promise<void>((resolveDone) => (done = resolveDone)));
  queues.set(file, current);
  await previous;
  try {
    return await task();
  } finally {
    done();
    if (queues.get(file) === current) queues.delete(file);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
    if (codeOf(error) !== "EINVAL" && codeOf(error) !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

interface Original {
  mode: number;
  uid: number;
  gid: number;
}

const tempName = (file: string, pid: number, suffix: string) => `.${basename(file)}.${pid}.${suffix}.tmp`;

/**
 * Temp files hold the new content, key included: remove those a killed writer left behind (its pid
 * is gone), so a crash does not leave a copy of a key next to the file for longer than one write.
 */
async function removeAbandonedTemps(file: string): Promise<void> {
  const prefix = `.${basename(file)}.`;
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (match && !processExists(Number(match[1]))) await unlink(join(dirname(file), name)).catch(() => undefined);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) !== "ESRCH";
  }
}

async function writeAtomically(file: string, text: string, original: Original | undefined): Promise<void> {
  const directory = dirname(file);
  await removeAbandonedTemps(file);
  const temp = join(directory, tempName(file, process.pid, randomBytes(6).toString("hex")));
  const handle = await open(temp, "wx", NEW_FILE_MODE);
  try {
    await handle.writeFile(text, "utf8");
    await handle.chmod(original?.mode ?? NEW_FILE_MODE);
    if (original && (original.uid !== process.getuid?.() || original.gid !== process.getgid?.())) {
      // Keep the owner when we may (root may); otherwise the file becomes ours, with the same mode.
      await handle.chown(original.uid, original.gid).catch(() => undefined);
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

/**
 * Read-modify-write of one file: `change` gets the current text (undefined when missing) and returns
 * the new text, or undefined to leave the file alone. Nothing is written when the text is unchanged.
 */
export async function updateEnvFile(
  path: string,
  change: (current: string | undefined) => string | undefined,
): Promise<void> {
  const file = await resolveTarget(path);
  await serialized(file, async () => {
    const current = await readEnvFile(file, true);
    const next = change(current);
    if (next === undefined || next === current) return;
    let original: Original | undefined;
    if (current !== undefined) {
      const stats = await stat(file).catch((error: unknown) => {
        throw fileError(error, "read", path);
      });
      original = { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid };
    }
    await writeAtomically(file, next, original).catch((error: unknown) => {
      throw fileError(error, "write", path);
    });
  });
}
