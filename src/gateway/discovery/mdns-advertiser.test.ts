import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayTxt, mdnsHostname, mdnsModeOf } from './mdns-advertiser.js';

describe('mDNS advertising settings', () => {
  it('takes an explicit discovery.mdns.mode; unset is minimal on macOS only; FARCLAW_DISABLE_BONJOUR=1 wins', () => {
    assert.equal(mdnsModeOf({ discovery: { mdns: { mode: 'full' } } }, {}, 'linux'), 'full');
    assert.equal(mdnsModeOf({}, {}, 'linux'), 'off');
    assert.equal(mdnsModeOf({ discovery: { mdns: { mode: 'minimal' } } }, { FARCLAW_DISABLE_BONJOUR: '1' }, 'darwin'), 'off');
  });

  it('inside a container an unset mode stays off even on macOS', () => {
    assert.equal(mdnsModeOf({}, { FLY_APP_NAME: 'x' }, 'darwin'), 'off');
  });

  it('uses FARCLAW_MDNS_HOSTNAME as a DNS label, else the host name', () => {
    assert.equal(mdnsHostname({ FARCLAW_MDNS_HOSTNAME: 'Build Box.local' }), 'Build-Box');
    assert.match(mdnsHostname({}), /^[A-Za-z0-9-]+$/);
  });

  it('writes the TXT keys of assistant.md 13; full mode adds tailnetDns, cliPath and sshPort', () => {
    const gw = { port: 18789, tlsFingerprintSha256: 'AA:BB', isDirectlyReachable: true, tailnetDns: 'h.tail.ts.net', cliPath: '/bin/farclaw' };
    assert.deepEqual(gatewayTxt('minimal', 'h', gw, 'h (farclaw)'), {
      role: 'gateway', gatewayPort: '18789', lanHost: 'h.local', displayName: 'h (farclaw)', transport: 'gateway',
      gatewayTls: '1', gatewayTlsSha256: 'AA:BB', gatewayDirectReachable: '1',
    });
    const full = gatewayTxt('full', 'h', { port: 1, isDirectlyReachable: false, tailnetDns: 'h.tail.ts.net', cliPath: '/bin/farclaw' }, 'x');
    assert.equal(full.tailnetDns, 'h.tail.ts.net');
    assert.equal(full.cliPath, '/bin/farclaw');
    assert.equal(full.sshPort, '22');
    assert.equal(full.gatewayDirectReachable, undefined);
    assert.equal(full.gatewayTls, undefined);
  });
});
