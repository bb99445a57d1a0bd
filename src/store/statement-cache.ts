import type { Database, Statement } from 'better-sqlite3';

/**
 * Per database: how many write statements were handed out so far, by table written (`*`: a write
 * whose table this cannot tell, which every read cache counts).
 */
const writeGenerations = new WeakMap<Database, Map<string, number>>();

/** Per database: what to call when a write statement is handed out (see `onWrites`). */
const writeListeners = new WeakMap<Database, () => void>();

/** Calls `listener` whenever any statement cache of `db` hands out a write statement (just before it runs). */
export function onWrites(db: Database, listener: () => void): void {
  writeListeners.set(db, listener);
}

/** The table an `INSERT`/`REPLACE`/`UPDATE`/`DELETE` writes; undefined for anything else (`WITH …`, DDL). */
const WRITE_TARGET = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+["`]?(\w+)/i;

/** The table `sql` writes, or `*` when it writes something this cannot name. */
export function writeTargetOf(sql: string): string {
  return WRITE_TARGET.exec(sql)?.[1]?.toLowerCase() ?? '*';
}

/**
 * Prepared statements of one database, compiled on first use and reused: preparing costs
 * more than running a small statement, and the device repos sit on the connect path.
 */
export class StatementCache {
  private readonly statements = new Map<string, { stmt: Statement; writes: string | undefined }>();
  private readonly generations: Map<string, number>;

  constructor(private readonly db: Database) {
    let generations = writeGenerations.get(db);
    if (!generations) writeGenerations.set(db, (generations = new Map()));
    this.generations = generations;
  }

  /** The prepared statement for `sql`. Handing out a write statement invalidates the read caches of its table. */
  get(sql: string): Statement {
    let entry = this.statements.get(sql);
    if (!entry) {
      const stmt = this.db.prepare(sql);
      entry = { stmt, writes: stmt.readonly ? undefined : writeTargetOf(sql) };
      this.statements.set(sql, entry);
    }
    if (entry.writes !== undefined) {
      this.generations.set(entry.writes, (this.generations.get(entry.writes) ?? 0) + 1);
      writeListeners.get(this.db)?.();
    }
    return entry.stmt;
  }

  /** Whether the database is inside a transaction (what is read then may still be rolled back). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Changes whenever any statement cache of this database hands out a write statement for one of `tables` (or one it cannot name). */
  writeGeneration(tables: readonly string[]): number {
    let n = this.generations.get('*') ?? 0;
    for (const t of tables) n += this.generations.get(t) ?? 0;
    return n;
  }
}

/** Entries kept before a read cache starts over (a few thousand paired devices at most). */
const MAX_CACHED_READS = 10_000;

/**
 * Records read by key, kept until the next write to one of the tables they come from (any
 * statement that is not read-only, `DELETE … RETURNING` included; a write whose table cannot be
 * named counts for every table). The gateway is the only writer of its state database (it holds
 * the state-dir lock) and every write goes through a StatementCache, so a cached record is never
 * stale; frozen, so no caller can change what the next caller reads. Per table, so the transcript
 * rows a run appends do not drop the device records every connect and node lookup reads.
 */
export class ReadCache<V extends object> {
  private readonly entries = new Map<string, Readonly<V> | undefined>();
  private generation = -1;

  /**
   * @param tables the tables the records are read from, and any table whose deletes cascade
   *   into them (a device's tokens go with the device).
   */
  constructor(private readonly sql: StatementCache, private readonly tables: readonly string[]) {}

  get(key: string, load: () => V | undefined): Readonly<V> | undefined {
    this.sync();
    if (this.entries.has(key)) return this.entries.get(key);
    const value = load();
    const frozen = value === undefined ? undefined : deepFreeze(value);
    // Read inside a transaction, it may be rolled back (which no generation records): not kept.
    if (!this.sql.inTransaction) this.entries.set(key, frozen);
    return frozen;
  }

  /** Keeps `value` as what `key` reads now: only right after the write it came from (nothing written since). */
  put(key: string, value: V): void {
    this.sync();
    if (this.sql.inTransaction) this.entries.delete(key);
    else this.entries.set(key, deepFreeze(value));
  }

  /** Forgets every entry once one of its tables was written since they were read. */
  private sync(): void {
    const generation = this.sql.writeGeneration(this.tables);
    if (this.generation !== generation || this.entries.size >= MAX_CACHED_READS) {
      this.entries.clear();
      this.generation = generation;
    }
  }
}

/** Freezes objects and arrays; byte buffers (token digests) cannot be frozen and are left as they are. */
function deepFreeze<V extends object>(value: V): Readonly<V> {
  if (ArrayBuffer.isView(value)) return value;
  for (const v of Object.values(value)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
