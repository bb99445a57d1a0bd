import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { openStateDb, type Database } from './db.js';
import { SessionRepo } from './session-repo.js';
import { SessionRouteRepo } from './session-route-repo.js';

describe('session routes (SQLite)', () => {
  const open: { db: Database; dir: string }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) {
      o.db.close();
      rmSync(o.dir, { recursive: true, force: true });
    }
  });
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'farclaw-route-'));
    const db = openStateDb(join(dir, 'state.db'));
    open.push({ db, dir });
    return db;
  };
  const dm = { sessionKey: 'agent:main:main', channel: 'telegram', accountId: 'default', chatId: '777', chatType: 'private', senderId: '777' };

  it('keeps the last route of each session, with its topic when it had one', () => {
    const routes = new SessionRouteRepo(fresh());
    assert.equal(routes.get('agent:main:main'), undefined);
    routes.record(dm, 1);
    assert.deepEqual(routes.get('agent:main:main'), dm);
    const topic = { ...dm, chatId: '-100', chatType: 'supergroup', threadId: 42 };
    routes.record(topic, 2);
    assert.deepEqual(routes.get('agent:main:main'), topic);
    routes.record(dm, 3);
    assert.deepEqual(routes.get('agent:main:main'), dm, 'back to the DM: the topic is gone');
  });

  it('a deleted session forgets its route', () => {
    const db = fresh();
    const sessions = new SessionRepo(db);
    const routes = new SessionRouteRepo(db);
    sessions.ensure('agent:main:telegram:direct:777', 'main', 'telegram');
    routes.record({ ...dm, sessionKey: 'agent:main:telegram:direct:777' }, 1);
    routes.record(dm, 1);
    assert.ok(sessions.delete('agent:main:telegram:direct:777'));
    assert.equal(routes.get('agent:main:telegram:direct:777'), undefined);
    assert.deepEqual(routes.get('agent:main:main'), dm, 'other sessions keep theirs');
  });
});
