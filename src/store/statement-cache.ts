import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepared statements of one database, compiled on first use and reused: preparing costs
 * more than running a small statement, and the device repos sit on the connect path.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** The prepared statement for `sql`. */
  get(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
