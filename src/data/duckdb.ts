/**
 * The one place the data layer opens DuckDB, quotes SQL and turns DuckDB's error texts into
 * something a user can read.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** DuckDB's module. */
export type DuckDBModule = typeof import("@duckdb/node-api");

let duckdbModule: Promise<DuckDBModule> | undefined;

/**
 * DuckDB's module, loaded on first use: importing it costs about 120 ms, which commands that
 * never open DuckDB (CSV prediction on the fast path, model listing, …) should not pay at start.
 */
export function loadDuckDB(): Promise<DuckDBModule> {
  duckdbModule ??= import("@duckdb/node-api");
  return duckdbModule;
}

/** An open DuckDB instance with one connection; `close()` releases both and is idempotent. */
export interface DuckDBSession {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  /** Opens another connection to the same instance (closed together with the session). */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

/**
 * Opens a private DuckDB instance (in memory unless `path` names a database file).
 * Row order matters to every reader and writer here, so insertion-order preservation is pinned
 * on rather than left to the default.
 */
export async function openDuckDB(
  path = ":memory:",
  options: Record<string, string> = {},
): Promise<DuckDBSession> {
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(path, { preserve_insertion_order: "true", ...options });
  const connections: DuckDBConnection[] = [];
  let closed = false;
  try {
    connections.push(await instance.connect());
  } catch (error) {
    instance.closeSync();
    throw error;
  }
  return {
    instance,
    connection: connections[0],
    async connect() {
      const connection = await instance.connect();
      connections.push(connection);
      return connection;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const connection of connections) connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `fn` with a fresh in-memory session and always closes it. */
export async function withDuckDB<T>(fn: (session: DuckDBSession) => Promise<T>): Promise<T> {
  const session = await openDuckDB();
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** A SQL string literal (as DuckDB's own `quotedString` spells it: quotes doubled). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted so that any column name works (as DuckDB's `quotedIdentifier`). */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL list literal of strings, typed so that an empty list is still `VARCHAR[]`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(", ")}]::VARCHAR[]`;
}

/** What a DuckDB error says, without its internals. */
export interface DuckDBProblem {
  /** The kind DuckDB gave, e.g. `Invalid Input` or `IO`. */
  readonly kind: string;
  /** One readable sentence (DuckDB's "possible fixes" and option dumps removed). */
  readonly explanation: string;
  /** 1-based line of a CSV file, counting the header, when DuckDB named one. */
  readonly line: number | undefined;
  /** The offending text, shortened, when DuckDB quoted it. */
  readonly excerpt: string | undefined;
  /** The file DuckDB was reading, when it said (it does for CSV errors). */
  readonly file: string | undefined;
}

const MAX_EXCERPT = 80;

/** Splits a DuckDB error message into the parts worth showing a user. */
export function explainDuckDBError(error: unknown): DuckDBProblem {
  const message = error instanceof Error ? error.message : String(error);
  const kindMatch = /^([A-Za-z ]+?) Error: /.exec(message);
  const file = /\n\s*file = (.+)\n/.exec(message)?.[1];
  const kind = kindMatch ? kindMatch[1] : "";
  let body = kindMatch ? message.slice(kindMatch[0].length) : message;
  // Everything from the fix list, the reader-option dump or the SQL caret on is DuckDB's
  // advice to a SQL user (e.g. "set ignore_errors=true"), which does not apply here.
  const cut = body.search(/\n\s*(Possible fixes:|Possible Solution:|file = |LINE \d+:|Stack Trace:)/);
  if (cut >= 0) body = body.slice(0, cut);
  body = body.trim();

  const lineMatch = /^CSV Error on Line: (\d+)\s*/.exec(body);
  if (!lineMatch) {
    return { kind, explanation: oneLine(body), line: undefined, excerpt: undefined, file };
  }
  body = body.slice(lineMatch[0].length);
  // The quoted line can itself span lines (an unterminated quote), so the explanation is taken
  // to be the last non-empty line and the quote everything before it.
  const lines = body.split("\n");
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  const explanation = oneLine(lines.pop() ?? "");
  let original = lines.join("\n").replace(/^Original Line: /, "");
  original = original.replace(/\n+$/, "");
  const excerpt =
    original === ""
      ? undefined
      : original.length > MAX_EXCERPT
        ? `${original.slice(0, MAX_EXCERPT)}…`
        : original;
  return { kind, explanation, line: Number(lineMatch[1]), excerpt, file };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
