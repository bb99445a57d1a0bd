import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySshExit } from './ssh-failure.js';
import { findTrustedSsh, tunnelArgs, UNTRUSTED_SSH_MESSAGE } from './ssh-command.js';
import { parseSshTarget } from './ssh-target.js';

const HOST_KEY_CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Offending ED25519 key in /home/me/.ssh/known_hosts:3
  remove with:
  ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[gw]:2222"
Host key for [gw]:2222 has changed and you have requested strict checking.
Host key verification failed.
`;

describe('tunnelArgs', () => {
  const target = parseSshTarget('me@gw.example:2222');

  it('builds a forward-only, batch, no-control-master command with the target after --', () => {
    const args = tunnelArgs({ target, localPort: 18789, remotePort: 18790, hostKeyPolicy: 'strict', identity: '/k/id' });
    const joined = args.join(' ');
    assert.match(joined, /-N/);
    assert.match(joined, /-L 127\.0\.0\.1:18789:127\.0\.0\.1:18790/);
    for (const opt of ['ExitOnForwardFailure=yes', 'BatchMode=yes', 'StrictHostKeyChecking=yes', 'ServerAliveInterval=15', 'ServerAliveCountMax=3', 'ControlMaster=no', 'ControlPath=none', 'ForkAfterAuthentication=no']) {
      assert.ok(args.includes(opt), `missing -o ${opt}: ${joined}`);
    }
    assert.deepEqual(args.slice(-2), ['--', 'gw.example']);
    assert.deepEqual(args.slice(args.indexOf('-p'), args.indexOf('-p') + 2), ['-p', '2222']);
    assert.deepEqual(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2), ['-i', '/k/id']);
    assert.deepEqual(args.slice(args.indexOf('-l'), args.indexOf('-l') + 2), ['-l', 'me']);
  });

  it('leaves host-key checking to the OpenSSH config under the openssh policy', () => {
    const args = tunnelArgs({ target, localPort: 1, remotePort: 2, hostKeyPolicy: 'openssh' });
    assert.ok(!args.some((a) => a.startsWith('StrictHostKeyChecking')));
    assert.ok(!args.includes('-i'));
  });
});

describe('findTrustedSsh', () => {
  it('finds the system ssh and ignores directories outside the trusted list', () => {
    assert.match(findTrustedSsh(), /^\/(usr\/)?(local\/)?s?bin\/ssh$/);
    assert.throws(() => findTrustedSsh(['/nonexistent-dir']), new RegExp(UNTRUSTED_SSH_MESSAGE));
  });
});

describe('classifySshExit', () => {
  it('makes a changed host key fatal, with OpenSSH reason and its ssh-keygen -R fix', () => {
    const f = classifySshExit(255, null, HOST_KEY_CHANGED, 'gw', 2222);
    assert.equal(f.kind, 'host-key');
    assert.equal(f.isFatal, true);
    assert.match(f.message, /^ssh exited \(255\)/);
    assert.match(f.message, /Host key for \[gw\]:2222 has changed and you have requested strict checking\./);
    assert.match(f.message, /Host key verification failed\./);
    assert.match(f.message, /ssh-keygen -f "\/home\/me\/\.ssh\/known_hosts" -R "\[gw\]:2222"/);
  });

  it('suggests ssh-keygen -R for an unknown host key when OpenSSH printed no command', () => {
    const f = classifySshExit(255, null, 'No ED25519 host key is known for [gw]:2222 and you have requested strict checking.\nHost key verification failed.\n', 'gw', 2222);
    assert.equal(f.isFatal, true);
    assert.match(f.message, /ssh-keygen -R '\[gw\]:2222'/);
  });

  it('retries connection failures and taken local ports, but not refused keys', () => {
    assert.equal(classifySshExit(255, null, 'ssh: connect to host gw port 22: Connection refused\n', 'gw', 22).isFatal, false);
    assert.equal(classifySshExit(255, null, 'bind [127.0.0.1]:18789: Address already in use\nchannel_setup_fwd_listener_tcpip: cannot listen to port: 18789\nCould not request local forwarding.\n', 'gw', 22).kind, 'forward');
    assert.equal(classifySshExit(255, null, 'me@gw: Permission denied (publickey).\n', 'gw', 22).kind, 'auth');
  });
});
