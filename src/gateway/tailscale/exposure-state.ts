import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../infra/atomic-write.js';
import type { ExposureInfo } from './tailscale-exposure.js';
import { isProcessAlive } from '../../infra/process-alive.js';

/** What a running gateway says about its Tailscale exposure, for `status`, `dashboard`, `gateway status`. */
export interface ExposureRecord extends ExposureInfo {
  /** pid of the gateway that holds the claim. */
  gatewayPid: number;
  startedAtMs: number;
}

/** The truth as far as this machine can tell: the record, and whether both processes still run. */
export interface ExposureState {
  record: ExposureRecord;
  isGatewayRunning: boolean;
  isClaimRunning: boolean;
}

const FILE = 'tailscale-exposure.json';
const path = (stateDir: string): string => join(stateDir, 'gateway', FILE);

function isAlive(pid: number | undefined): boolean {
  return pid !== undefined && isProcessAlive(pid);
}

/** Written by the gateway once the claim is up (mode 0600; it names no secret). */
export function writeExposureRecord(stateDir: string, info: ExposureInfo): void {
  const record: ExposureRecord = { ...info, gatewayPid: process.pid, startedAtMs: Date.now() };
  mkdirSync(join(stateDir, 'gateway'), { recursive: true, mode: 0o700 });
  writeFileAtomic(path(stateDir), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}

/** Removed by the gateway that wrote it, at stop. */
export function removeExposureRecord(stateDir: string): void {
  try {
    const record = JSON.parse(readFileSync(path(stateDir), 'utf8')) as Partial<ExposureRecord>;
    if (record.gatewayPid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(path(stateDir), { force: true });
}

/** The last record and whether its gateway and claim still run; undefined when there is none. */
export function readExposureState(stateDir: string): ExposureState | undefined {
  let record: ExposureRecord;
  try {
    record = JSON.parse(readFileSync(path(stateDir), 'utf8')) as ExposureRecord;
  } catch {
    return undefined;
  }
  if (typeof record.url !== 'string' || typeof record.gatewayPid !== 'number') return undefined;
  const isGatewayRunning = isAlive(record.gatewayPid);
  return { record, isGatewayRunning, isClaimRunning: isGatewayRunning && isAlive(record.pid) };
}

/** One line for humans: what is served where, and whether it really is. */
export function describeExposure(state: ExposureState | undefined, configuredMode: string): string {
  if (!state) return configuredMode === 'off' ? 'off' : `${configuredMode} (configured; no gateway has claimed it)`;
  const { record } = state;
  if (!state.isGatewayRunning) return `${configuredMode} (configured; gateway not running)`;
  if (!state.isClaimRunning) return `${record.mode} ${record.url} NOT served: the tailscale ${record.mode} process (pid ${record.pid ?? '?'}) has ended`;
  return `${record.mode} ${record.url} (tailscale ${record.mode} pid ${record.pid ?? '?'}, proxying to 127.0.0.1:${record.managedPort})`;
}
