import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { openStateDb } from './db.js';
import { NodeRepo, type NodeRecord } from './node-repo.js';

const node = (nodeId: string, lastConnectedAtMs: number): NodeRecord => ({
  nodeId, displayName: `box ${nodeId}`, declaredCaps: ['system'], declaredCommands: ['system.run'], createdAtMs: 1, lastConnectedAtMs,
});

describe('node records on a real SQLite file', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    while (cleanup.length) cleanup.pop()?.();
  });
  const repo = (): NodeRepo => {
    const d = mkdtempSync(join(tmpdir(), 'farclaw-nodes-'));
    const db = openStateDb(join(d, 'state.db'));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }), () => db.close());
    return new NodeRepo(db);
  };

  test('the list and each record read once are read again after any write to the node table', () => {
    const nodes = repo();
    assert.deepEqual(nodes.list(), []);
    assert.equal(nodes.get('a'), undefined);
    nodes.save(node('a', 10));
    nodes.save(node('b', 20));
    assert.deepEqual(nodes.list().map((n) => n.nodeId), ['b', 'a']);
    assert.equal(nodes.get('a')?.displayName, 'box a');
    // Kept while nothing is written: the same frozen objects.
    assert.equal(nodes.list(), nodes.list());
    assert.equal(nodes.get('a'), nodes.get('a'));
    assert.ok(Object.isFrozen(nodes.get('a')) && Object.isFrozen(nodes.list()) && Object.isFrozen(nodes.list()[0]?.declaredCaps));

    nodes.touch('a', 30, 'connect');
    assert.deepEqual([nodes.get('a')?.lastSeenAtMs, nodes.list().find((n) => n.nodeId === 'a')?.lastSeenReason], [30, 'connect']);
    nodes.saveHostStats('b', { load: 1 }, 40);
    assert.deepEqual(nodes.list().find((n) => n.nodeId === 'b')?.hostStats, { load: 1 });
    nodes.save({ ...node('a', 50), label: 'renamed' });
    assert.deepEqual(nodes.list().map((n) => [n.nodeId, n.label]), [['a', 'renamed'], ['b', undefined]]);
    assert.equal(nodes.remove('a'), true);
    assert.equal(nodes.get('a'), undefined);
    assert.deepEqual(nodes.list().map((n) => n.nodeId), ['b']);
  });

  test('a pending request is read again after a write to the request table, not to the node table', () => {
    const nodes = repo();
    nodes.save(node('a', 10));
    assert.equal(nodes.requestFor('a'), undefined);
    nodes.saveRequest({ requestId: 'r1', nodeId: 'a', caps: [], commands: ['system.run'], createdAtMs: 2 });
    const pending = nodes.requestFor('a');
    assert.equal(pending?.requestId, 'r1');
    nodes.touch('a', 30, 'connect');
    assert.equal(nodes.requestFor('a'), pending);
    assert.equal(nodes.remove('a'), true);
    assert.equal(nodes.requestFor('a'), undefined);
  });
});
