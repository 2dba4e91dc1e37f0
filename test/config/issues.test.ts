// Paths as operators read them, their order, and "did you mean".
import { describe, expect, it } from "vitest";
import { closestName, comparePaths, renderIssues, renderPath } from "../../src/config/issues.js";

describe("renderPath", () => {
  it("renders fields with dots, indices in brackets, odd names quoted, and the root by name", () => {
    expect(renderPath(["keys", 0, "destinations", 12, "variable"])).toBe("keys[0].destinations[12].variable");
    expect(renderPath(["$schema"])).toBe("$schema");
    expect(renderPath(["keys", 0, "my field"])).toBe('keys[0]["my field"]');
    expect(renderPath([])).toBe("(root)");
  });
});

describe("renderIssues", () => {
  it("sorts by path, indices by number, parents first, and drops repeats", () => {
    const issues = [
      { path: ["keys", 10, "id"], message: "b" },
      { path: ["keys", 2, "id"], message: "a" },
      { path: ["issuer"], message: "c" },
      { path: ["keys"], message: "d" },
      { path: ["keys", 2, "id"], message: "a" },
    ];

    expect(renderIssues(issues)).toEqual(["issuer: c", "keys: d", "keys[2].id: a", "keys[10].id: b"]);
    expect(comparePaths([], ["a"])).toBeLessThan(0);
  });
});

describe("closestName", () => {
  it("suggests a close name, ignores distant ones, and prefers a case-only difference", () => {
    expect(closestName("rotateEveryDay", ["rotateEveryDays", "revokeAfter"])).toBe("rotateEveryDays");
    expect(closestName("PERMISSION", ["permission", "name"])).toBe("permission");
    expect(closestName("colour", ["issuer", "state", "schedule", "keys"])).toBeUndefined();
  });
});
