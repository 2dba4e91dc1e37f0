// Config issues: a problem (or a warning) at a path in the config, rendered as one line,
// `keys[0].destinations[1].variable: required`. Every stage of loading produces these, so they can be
// reported all at once, sorted by path.

export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

export interface ConfigIssue {
  path: ConfigPath;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `keys[0].destinations[1].variable`; the root is `(root)`. */
export function renderPath(path: ConfigPath): string {
  if (path.length === 0) return "(root)";
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function renderIssue(issue: ConfigIssue): string {
  return `${renderPath(issue.path)}: ${issue.message}`;
}

/** Document order for indices (keys[2] before keys[10]), alphabetical for names, parents first. */
export function comparePaths(a: ConfigPath, b: ConfigPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as PathSegment;
    const y = b[i] as PathSegment;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Sorted by path (stable, so issues at one path keep their order), rendered, without repeats. */
export function renderIssues(issues: readonly ConfigIssue[]): string[] {
  const sorted = [...issues].sort((a, b) => comparePaths(a.path, b.path));
  return [...new Set(sorted.map(renderIssue))];
}

/** The closest candidate to a misspelt name, when one is close enough to be a likely typo. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closestName(name, candidates);
  return match === undefined ? "" : `; did you mean "${match}"?`;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
