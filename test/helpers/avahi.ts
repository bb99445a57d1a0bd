import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from './kill-on-exit.js';
import type { Netns } from './netns.js';
import { waitFor } from './wait-for.js';

/** A private D-Bus system bus and avahi-daemon inside one namespace, for `avahi-browse` there. */
export interface NamespaceAvahi {
  /** Set this in the environment of anything that talks to this avahi (avahi-browse reads it). */
  env: { DBUS_SYSTEM_BUS_ADDRESS: string };
  stop(): Promise<void>;
}

const BUS_CONF = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;

// Browsing only: this avahi publishes nothing, and wide-area lookups are off.
const AVAHI_CONF = `[server]
host-name=fc-discover-client
use-ipv4=yes
use-ipv6=no
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=yes
`;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts dbus-daemon (a private "system" bus on a socket in a temp dir) and avahi-daemon in
 * `ns`, and waits until avahi says it is up. The daemons see only the namespace's interfaces.
 */
export async function startNamespaceAvahi(ns: Netns): Promise<NamespaceAvahi> {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-avahi-'));
  const socket = join(dir, 'bus');
  writeFileSync(join(dir, 'bus.conf'), BUS_CONF(socket));
  writeFileSync(join(dir, 'avahi.conf'), AVAHI_CONF);
  // avahi-daemon keeps its pid file here and refuses to start without the folder.
  mkdirSync('/run/avahi-daemon', { recursive: true });
  const env = { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${socket}` };
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dbus = ns.spawn('dbus-daemon', ['--config-file', join(dir, 'bus.conf'), '--nofork', '--nopidfile'], { stdio: 'ignore' });
    killOnExit(dbus);
    children.push(dbus);
    await waitFor('the private D-Bus socket', () => existsSync(socket), 15_000);
    const log = join(dir, 'avahi.log');
    const avahi = ns.spawn('avahi-daemon', ['-f', join(dir, 'avahi.conf'), '--no-drop-root', '--no-chroot', '--no-rlimits'], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    killOnExit(avahi);
    children.push(avahi);
    let stderr = '';
    avahi.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      writeFileSync(log, stderr);
    });
    await waitFor('avahi-daemon to start', () => {
      if (avahi.exitCode !== null) throw new Error(`avahi-daemon exited: ${stderr.trim()}`);
      return existsSync(log) && readFileSync(log, 'utf8').includes('Server startup complete');
    }, 30_000);
    return { env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
