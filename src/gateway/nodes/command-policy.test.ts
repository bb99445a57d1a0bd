import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admittedCommands, invokeAllowlist, pairingAllowlist, platformIdOf, refusalMessage, refusalOf, requiredApproveScopes,
} from './command-policy.js';

const linux = { platform: 'linux', deviceFamily: 'Linux' };

test('platform ids need an agreeing device family', () => {
  assert.equal(platformIdOf('linux', 'Linux'), 'linux');
  assert.equal(platformIdOf('linux', 'Mac'), 'unknown');
  assert.equal(platformIdOf('', 'iPhone'), 'ios');
  assert.equal(platformIdOf('plan9', 'Linux'), 'unknown');
});

test('host commands enter the invoke allowlist only once approved', () => {
  assert.equal(invokeAllowlist({}, linux, []).has('system.which'), false);
  assert.equal(invokeAllowlist({}, linux, ['system.which']).has('system.which'), true);
  assert.equal(invokeAllowlist({}, linux, []).has('system.notify'), true);
});

test('dangerous commands need commands.allow, and deny wins over everything', () => {
  assert.equal(invokeAllowlist({}, linux, []).has('camera.snap'), false);
  assert.equal(invokeAllowlist({ allow: ['camera.snap'] }, linux, []).has('camera.snap'), true);
  assert.equal(invokeAllowlist({ allow: ['system.which'], deny: ['system.which'] }, linux, ['system.which']).has('system.which'), false);
});

test('declared commands outside the pairing ceiling are dropped from the request', () => {
  const ceiling = pairingAllowlist({}, linux);
  assert.deepEqual(admittedCommands(['system.which', ' system.run ', 'file.fetch', 'system.which'], ceiling), ['system.which', 'system.run']);
});

test('requiredApproveScopes: pairing alone, + write, or + admin for host commands', () => {
  assert.deepEqual(requiredApproveScopes([]), ['operator.pairing']);
  assert.deepEqual(requiredApproveScopes(['system.notify']), ['operator.pairing', 'operator.write']);
  assert.deepEqual(requiredApproveScopes(['system.notify', 'system.which']), ['operator.pairing', 'operator.admin']);
});

test('refusals name the reason like the real gateway', () => {
  const allow = invokeAllowlist({}, linux, ['system.which']);
  assert.equal(refusalOf('camera.snap', ['system.which'], allow), 'command not allowlisted');
  assert.equal(refusalOf('system.which', [], allow), 'node did not declare commands');
  assert.equal(refusalOf('system.notify', ['system.which'], allow), 'command not declared by node');
  assert.equal(refusalOf('system.which', ['system.which'], allow), undefined);
  assert.equal(
    refusalMessage('command not allowlisted', 'camera.snap', 'linux', {}, []),
    'node command not allowed: "camera.snap" requires explicit gateway.nodes.commands.allow opt-in',
  );
});
