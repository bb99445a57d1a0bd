import type { Database, Statement } from 'better-sqlite3';

/** Per database: how many write statements were handed out so far, by any cache. */
const writeGenerations = new WeakMap<Database, { n: number }>();

/**
 * Prepared statements of one database, compiled on first use and reused: preparing costs
 * more than running a small statement, and the device repos sit on the connect path.
 */
export class StatementCache {
  private readonly statements = new Map<string, { stmt: Statement; writes: boolean }>();
  private readonly generation: { n: number };

  constructor(private readonly db: Database) {
    let generation = writeGenerations.get(db);
    if (!generation) writeGenerations.set(db, (generation = { n: 0 }));
    this.generation = generation;
  }

  /** The prepared statement for `sql`. Handing out a write statement invalidates read caches. */
  get(sql: string): Statement {
    let entry = this.statements.get(sql);
    if (!entry) {
      const stmt = this.db.prepare(sql);
      entry = { stmt, writes: !stmt.readonly };
      this.statements.set(sql, entry);
    }
    if (entry.writes) this.generation.n += 1;
    return entry.stmt;
  }

  /** Changes whenever any statement cache of this database hands out a write statement. */
  get writeGeneration(): number {
    return this.generation.n;
  }
}

/** Entries kept before a read cache starts over (a few thousand paired devices at most). */
const MAX_CACHED_READS = 10_000;

/**
 * Records read by key, kept until the next write to the same database (any statement that is
 * not read-only, `DELETE … RETURNING` included). The gateway is the only writer of its state
 * database (it holds the state-dir lock) and every write goes through a StatementCache, so a
 * cached record is never stale; frozen, so no caller can change what the next caller reads.
 */
export class ReadCache<V extends object> {
  private readonly entries = new Map<string, Readonly<V> | undefined>();
  private generation = -1;

  constructor(private readonly sql: StatementCache) {}

  get(key: string, load: () => V | undefined): Readonly<V> | undefined {
    this.sync();
    if (this.entries.has(key)) return this.entries.get(key);
    const value = load();
    const frozen = value === undefined ? undefined : deepFreeze(value);
    this.entries.set(key, frozen);
    return frozen;
  }

  /** Keeps `value` as what `key` reads now: only right after the write it came from (nothing written since). */
  put(key: string, value: V): void {
    this.sync();
    this.entries.set(key, deepFreeze(value));
  }

  /** Forgets every entry once anything was written since they were read. */
  private sync(): void {
    if (this.generation !== this.sql.writeGeneration || this.entries.size >= MAX_CACHED_READS) {
      this.entries.clear();
      this.generation = this.sql.writeGeneration;
    }
  }
}

/** Freezes objects and arrays; byte buffers (token digests) cannot be frozen and are left as they are. */
function deepFreeze<V extends object>(value: V): Readonly<V> {
  if (ArrayBuffer.isView(value)) return value;
  for (const v of Object.values(value)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
