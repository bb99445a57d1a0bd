import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvFileError, renderEnvFile } from './env-file.js';
import { launchAgentPlist, systemdUnit, type ServiceSpec } from './unit-files.js';

const spec: ServiceSpec = {
  name: 'gateway', description: 'farclaw gateway',
  command: ['/usr/bin/node', '/opt/farclaw dir/bin/farclaw.js', 'gateway', 'run', '--port', '18789'],
  envFile: '/home/me/.farclaw/service/gateway.env', workingDir: '/home/me', noRestartExitCode: 78,
};

describe('systemdUnit', () => {
  it('runs the command, reads credentials from the env file, and does not restart after exit 78', () => {
    const unit = systemdUnit(spec);
    assert.match(unit, /^ExecStart=\/usr\/bin\/node "\/opt\/farclaw dir\/bin\/farclaw\.js" gateway run --port 18789$/m);
    assert.match(unit, /^EnvironmentFile=\/home\/me\/\.farclaw\/service\/gateway\.env$/m);
    assert.match(unit, /^Restart=always$/m);
    assert.match(unit, /^RestartPreventExitStatus=78$/m);
    assert.match(unit, /^KillMode=control-group$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.doesNotMatch(unit, /TOKEN|PASSWORD|^Environment=/m);
  });
});

describe('launchAgentPlist', () => {
  it('loads the env file through /bin/sh, keeps the agent alive, and escapes XML', () => {
    const plist = launchAgentPlist({ ...spec, command: [...spec.command, '<&>'] }, '/home/me/.farclaw/logs/gateway.service.log');
    assert.match(plist, /<key>Label<\/key>\n {2}<string>ai\.farclaw\.gateway<\/string>/);
    assert.match(plist, /<string>\/bin\/sh<\/string>\n {4}<string>-c<\/string>\n {4}<string>set -a; \. "\$0"; set \+a; "\$@"; code=\$\?; \[ "\$code" -eq 78 \] &amp;&amp; exit 0; exit "\$code"<\/string>\n {4}<string>\/home\/me\/\.farclaw\/service\/gateway\.env<\/string>\n {4}<string>\/usr\/bin\/node<\/string>/);
    assert.match(plist, /<string>&lt;&amp;&gt;<\/string>/);
    assert.match(plist, /<key>KeepAlive<\/key>\n {2}<dict>\n {4}<key>SuccessfulExit<\/key>\n {4}<false\/>/);
    assert.match(plist, /<key>RunAtLoad<\/key>\n {2}<true\/>/);
  });
});

describe('renderEnvFile', () => {
  it('writes single-quoted values both systemd and sh read verbatim', () => {
    assert.equal(renderEnvFile({ FARCLAW_GATEWAY_TOKEN: 'a$b"c\\d' }).split('\n')[1], `FARCLAW_GATEWAY_TOKEN='a$b"c\\d'`);
  });

  it('refuses values with quotes or line breaks and bad names', () => {
    assert.throws(() => renderEnvFile({ FARCLAW_GATEWAY_TOKEN: "it's" }), EnvFileError);
    assert.throws(() => renderEnvFile({ FARCLAW_GATEWAY_TOKEN: 'a\nb' }), EnvFileError);
    assert.throws(() => renderEnvFile({ 'bad-name': 'x' }), EnvFileError);
  });
});
