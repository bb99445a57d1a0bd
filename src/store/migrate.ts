import type { Database } from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

/** Thrown when the database was written by a newer farclaw than this one. */
export class SchemaTooNewError extends Error {}

/** Applies pending migrations; returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new SchemaTooNewError(`state database schema v${current} is newer than this farclaw (v${latest}); upgrade farclaw`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
