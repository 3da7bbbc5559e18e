import { describe, expect, it } from "vitest";
import { closestName, editDistance } from "./suggest.ts";

describe("closestName", () => {
  const columns = ["PassengerId", "Survived", "Age", "Embarked"];

  it("prefers a case-insensitive exact match", () => {
    expect(closestName("age", columns)).toBe("Age");
  });

  it("finds a small typo", () => {
    expect(closestName("Embarkd", columns)).toBe("Embarked");
    expect(closestName("Survivd", columns)).toBe("Survived");
  });

  it("suggests nothing for an unrelated name", () => {
    expect(closestName("Ticket", columns)).toBeUndefined();
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
