import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownHostsName, parseSshTarget } from './ssh-target.js';

describe('parseSshTarget', () => {
  it('reads user, host and port, defaulting the port to 22', () => {
    assert.deepEqual(parseSshTarget('root@127.0.0.1:2222'), { user: 'root', host: '127.0.0.1', port: 2222, text: 'root@127.0.0.1:2222' });
    assert.deepEqual(parseSshTarget('gw.example.com'), { user: undefined, host: 'gw.example.com', port: 22, text: 'gw.example.com:22' });
  });

  it('drops a pasted leading "ssh " and accepts bracketed IPv6 hosts', () => {
    assert.equal(parseSshTarget('ssh me@host').text, 'me@host:22');
    assert.deepEqual(parseSshTarget('me@[::1]:2200'), { user: 'me', host: '::1', port: 2200, text: 'me@[::1]:2200' });
  });

  for (const bad of ['-oProxyCommand=x', 'user@host:0', 'user@-oProxyCommand=x', '-l@host', 'user@host:70000', 'user@host:2x', 'us er@host', 'user@ho\nst', '', '@host', 'user@', 'a:b:c']) {
    it(`refuses ${JSON.stringify(bad)} as an invalid SSH target`, () => {
      assert.throws(() => parseSshTarget(bad), /^SshTargetError: invalid SSH target/);
    });
  }

  it('names hosts off port 22 the way known_hosts does', () => {
    assert.equal(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222');
    assert.equal(knownHostsName('gw', 22), 'gw');
  });
});
