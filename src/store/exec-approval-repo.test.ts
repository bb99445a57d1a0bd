import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { execEnvHash } from '../infra/exec-env.js';
import { openStateDb } from './db.js';
import { ExecApprovalRepo } from './exec-approval-repo.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';

describe('allow-always grants on a real SQLite file', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    while (cleanup.length) cleanup.pop()?.();
  });
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'farclaw-grants-'));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  test('a grant covers its argv with its env only: X=1 cmd does not allow X=2 cmd nor cmd alone', () => {
    const db = openStateDb(join(dir(), 'state.db'));
    cleanup.push(() => db.close());
    const repo = new ExecApprovalRepo(db);
    const argv = ['/bin/sh', '-lc', 'printenv X'];
    repo.addGrant('node-1', argv, execEnvHash({ X: '1' }), 'a1', 'cli', 1);
    assert.equal(repo.hasGrant('node-1', argv, execEnvHash({ X: '1' })), true);
    assert.equal(repo.hasGrant('node-1', argv, execEnvHash({ X: '2' })), false);
    assert.equal(repo.hasGrant('node-1', argv, execEnvHash(undefined)), false);
    assert.equal(repo.hasGrant('node-2', argv, execEnvHash({ X: '1' })), false);
    repo.addGrant('node-1', argv, null, 'a2', 'cli', 2);
    assert.equal(repo.hasGrant('node-1', argv, null), true);
  });

  test('grants stored before envs were bound keep covering the command without variables only', () => {
    const db = new Database(join(dir(), 'state.db'));
    cleanup.push(() => db.close());
    const before = MIGRATIONS.findIndex((m) => m.name === 'allow-always grants bound to the env');
    migrate(db, MIGRATIONS.slice(0, before));
    db.prepare('INSERT INTO exec_grant (node_id, argv, approval_id, granted_by, created_at_ms) VALUES (?, ?, ?, ?, ?)').run('node-1', '["echo","hi"]', 'a0', 'cli', 0);
    migrate(db);
    const repo = new ExecApprovalRepo(db);
    assert.equal(repo.hasGrant('node-1', ['echo', 'hi'], null), true);
    assert.equal(repo.hasGrant('node-1', ['echo', 'hi'], execEnvHash({ X: '1' })), false);
  });
});
