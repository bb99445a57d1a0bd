import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';

describe('state database migrations', () => {
  it('are numbered 1, 2, 3, … with no gap (a database past a gap would never get the missing step)', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring an empty database to the latest version, and a second run applies nothing', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    assert.deepEqual(migrate(db), MIGRATIONS.map((m) => m.version));
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.deepEqual(migrate(db), []);
    db.close();
  });
});
