import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import { checkAliasName, formatModelRef, parseModelRef } from "./model-registry.ts";

describe("parseModelRef", () => {
  it("parses name, name@version, name@alias and name@latest", () => {
    expect(parseModelRef("iris")).toEqual({ name: "iris" });
    expect(parseModelRef("iris-knn@12")).toEqual({ name: "iris-knn", version: 12 });
    expect(parseModelRef("iris@champion")).toEqual({ name: "iris", alias: "champion" });
    expect(parseModelRef("iris@prod-eu-2")).toEqual({ name: "iris", alias: "prod-eu-2" });
    expect(parseModelRef("iris@latest")).toEqual({ name: "iris" });
  });

  it("formats references back", () => {
    for (const ref of ["iris", "iris@3", "iris@champion"])
      expect(formatModelRef(parseModelRef(ref))).toBe(ref);
  });

  it("rejects malformed references with UsageError and a hint", () => {
    for (const ref of [
      "",
      "@1",
      "iris@",
      "iris@0",
      "iris@-1",
      "iris@1.5",
      "Iris",
      "iris@Champ",
      "a@b@c",
      "a b",
      "../x",
    ]) {
      let error: unknown;
      try {
        parseModelRef(ref);
      } catch (e) {
        error = e;
      }
      expect(error, ref).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint, ref).toBeTruthy();
    }
    expect(() => parseModelRef("iris@99999999999999999999")).toThrow(UsageError);
  });
});

describe("checkAliasName", () => {
  it("accepts kebab-case aliases and rejects digits-only and reserved names", () => {
    for (const alias of ["champion", "prod-eu", "a1", "2024-best"])
      expect(() => checkAliasName(alias)).not.toThrow();
    for (const alias of ["12", "latest", "v3", "Champion", "-x", "x-", "a--b", "a_b", ""]) {
      expect(() => checkAliasName(alias), alias).toThrow(UsageError);
    }
  });
});
