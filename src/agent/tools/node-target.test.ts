import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseExecNode, ToolRefusal, type ToolNode } from './node-target.js';

const node = (nodeId: string, displayName: string, connected: boolean, commands: string[] = ['system.run', 'system.which']): ToolNode =>
  ({ nodeId, displayName, connected, commands });

describe('chooseExecNode', () => {
  it('picks the only connected node that supports system.run', () => {
    const nodes = [node('aaa111', 'build', true), node('bbb222', 'phone', true, ['camera.list']), node('ccc333', 'old', false)];
    assert.equal(chooseExecNode(nodes, undefined).nodeId, 'aaa111');
  });

  it('names the candidates when several are eligible', () => {
    const nodes = [node('aaa111', 'build', true), node('bbb222', 'laptop', true)];
    assert.throws(() => chooseExecNode(nodes, undefined), (e: unknown) => e instanceof ToolRefusal
      && e.message === 'exec host=node: several nodes support system.run (build (aaa111), laptop (bbb222)); pass "node" or set tools.exec.node');
  });

  it('refuses when no node is eligible', () => {
    assert.throws(() => chooseExecNode([node('ccc333', 'old', false)], undefined), /requires a connected node that supports system\.run/);
  });

  it('says a connected node waits for an operator’s approval of its commands, named or not', () => {
    const waiting: ToolNode = { ...node('ddd444', 'lab', true, []), pendingCommands: ['system.run', 'system.which'] };
    const message = 'exec host=node: node lab (ddd444) is connected, but its commands await an operator\'s approval (`farclaw nodes pending`, then `farclaw nodes approve <requestId>`); ask the user to approve it';
    assert.throws(() => chooseExecNode([waiting, node('ccc333', 'old', false)], undefined), (e: unknown) => e instanceof ToolRefusal && e.message === message);
    assert.throws(() => chooseExecNode([waiting], 'lab'), (e: unknown) => e instanceof ToolRefusal && e.message === message);
    // An approved node that asks for more is used with what it has.
    assert.equal(chooseExecNode([{ ...node('eee555', 'box', true), pendingCommands: ['system.run', 'camera.snap'] }], undefined).nodeId, 'eee555');
  });

  it('says the gateway’s own policy denies system.run on a node that declares it, named or not, instead of "none is connected"', () => {
    const denied: ToolNode = { ...node('fff666', 'vault', true, ['system.which']), policyDeniedCommands: ['system.run', 'system.run.prepare'] };
    const message = 'exec host=node: node vault (fff666) is connected and supports system.run, but this gateway\'s node command policy denies it (gateway.nodes.commands.deny, or not allowed for the node\'s platform); ask the user to change the gateway\'s policy';
    assert.throws(() => chooseExecNode([denied, node('ccc333', 'old', false)], undefined), (e: unknown) => e instanceof ToolRefusal && e.message === message);
    assert.throws(() => chooseExecNode([denied], 'vault'), (e: unknown) => e instanceof ToolRefusal && e.message === message);
    // Another node that may run it is still chosen.
    assert.equal(chooseExecNode([denied, node('aaa111', 'build', true)], undefined).nodeId, 'aaa111');
  });

  it('takes a named node by id, display name or id prefix, and refuses an offline or unknown one', () => {
    const nodes = [node('aaa111bbb', 'build', true), node('bbb222ccc', 'laptop', false)];
    assert.equal(chooseExecNode(nodes, 'BUILD').nodeId, 'aaa111bbb');
    assert.equal(chooseExecNode(nodes, 'aaa111').nodeId, 'aaa111bbb');
    assert.throws(() => chooseExecNode(nodes, 'laptop'), /node "laptop" is not connected/);
    assert.throws(() => chooseExecNode(nodes, 'nope'), /unknown node "nope"; known nodes: build \(aaa111bbb\), laptop \(bbb222ccc\)/);
    assert.throws(() => chooseExecNode([node('x1', 'cam', true, ['camera.list'])], 'cam'), /does not support system\.run/);
  });
});
