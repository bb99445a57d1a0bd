import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { existsSync, mkdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { basename, dirname } from 'node:path';
import { writeFileAtomic } from '../../infra/atomic-write.js';
import type { Logger } from '../../infra/logger.js';
import { displayPath } from '../../infra/paths.js';
import { pinsOf } from '../../infra/tls-pin.js';
import type { TlsSettings } from '../../infra/tls-settings.js';
import { StartupError } from '../startup/startup-error.js';

/** What the HTTPS listeners are built from. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
}

/** The lowest TLS version the gateway accepts (8.1). */
export const TLS_MIN_VERSION = 'TLSv1.3';

function readMaterial(s: TlsSettings): TlsMaterial {
  return {
    cert: readFileSync(s.certPath, 'utf8'),
    key: readFileSync(s.keyPath, 'utf8'),
    ...(s.caPath ? { ca: readFileSync(s.caPath, 'utf8') } : {}),
  };
}

/** Throws unless cert and key parse and belong together (what `setSecureContext` would reject). */
function checkMaterial(m: TlsMaterial): X509Certificate {
  createSecureContext({ cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}) });
  return new X509Certificate(m.cert);
}

/**
 * Loads the certificate and key; when both files are missing and `autoGenerate` is on, creates
 * a self-signed pair (files 0600, directory 0700). A generated certificate that has expired is
 * re-issued for the same key, so SPKI pins survive. Never overwrites a file it did not create.
 * @throws StartupError (exit 78) when only one file exists, neither exists without autoGenerate,
 *   or the pair does not load.
 */
export async function loadOrCreateTls(s: TlsSettings, logger: Logger, env: NodeJS.ProcessEnv, now = Date.now()): Promise<TlsMaterial> {
  // node-forge (certificate.ts) is loaded only by a gateway that serves TLS (issue 13: idle RSS).
  const { generateSelfSigned, isGeneratedCertificate, issueSelfSigned } = await import('./certificate.js');
  const hasCert = existsSync(s.certPath);
  const hasKey = existsSync(s.keyPath);
  if (!hasCert && !hasKey && s.autoGenerate) {
    const pair = generateSelfSigned(now);
    for (const p of [s.certPath, s.keyPath]) mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
    if (!writeFileAtomic(s.keyPath, pair.keyPem, { exclusive: true, mode: 0o600 }) ||
        !writeFileAtomic(s.certPath, pair.certPem, { exclusive: true, mode: 0o600 })) {
      throw new StartupError('gateway tls: cert/key appeared while generating; refusing to overwrite');
    }
    logger.info(`gateway tls: generated self-signed cert at ${displayPath(s.certPath, env)}`);
  } else if (!hasCert || !hasKey) {
    throw new StartupError(`gateway tls: cert/key missing (cert ${displayPath(s.certPath, env)}: ${hasCert ? 'present' : 'missing'}, key ${displayPath(s.keyPath, env)}: ${hasKey ? 'present' : 'missing'})`);
  }
  let material: TlsMaterial;
  let cert: X509Certificate;
  try {
    material = readMaterial(s);
    cert = checkMaterial(material);
  } catch (err) {
    throw new StartupError(`gateway tls: cannot load cert/key: ${(err as Error).message}`);
  }
  if (s.autoGenerate && isGeneratedCertificate(cert) && Date.parse(cert.validTo) <= now) {
    material = { ...material, cert: issueSelfSigned(material.key, now) };
    writeFileAtomic(s.certPath, material.cert, { mode: 0o600 });
    cert = new X509Certificate(material.cert);
    logger.info('gateway tls: the generated certificate had expired; re-issued it for the same key');
  }
  const pins = pinsOf(cert);
  logger.info(`gateway tls: certificate ${pins.leaf}; key pin ${pins.spki} (survives renewal for the same key)`);
  return material;
}

/**
 * Watches the certificate and key and swaps them into every listener when they change on disk
 * (8.1 "hot renewal"): open connections stay, new handshakes get the new pair. A pair that does
 * not load is logged and ignored; the previous one stays in use.
 */
export class TlsReloader {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private current: string;

  constructor(private readonly s: TlsSettings, material: TlsMaterial, private readonly servers: readonly HttpsServer[], private readonly logger: Logger) {
    this.current = material.cert + material.key;
    const dirs = new Set([dirname(s.certPath), dirname(s.keyPath)]);
    const names = new Set([basename(s.certPath), basename(s.keyPath)]);
    // Watch the directories: editors and `mv` replace the file, which ends a file watch.
    for (const dir of dirs) {
      const w = watch(dir, (_event, name) => {
        if (name === null || names.has(name.toString())) this.schedule();
      });
      w.on('error', (err) => this.logger.warn({ err: err.message }, 'gateway tls: watch failed; certificate reload disabled'));
      this.watchers.push(w);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    // Cert and key are usually written one after the other: load once both are in place.
    this.timer = setTimeout(() => this.reload(), 150);
    this.timer.unref();
  }

  private reload(): void {
    let material: TlsMaterial;
    let cert: X509Certificate;
    try {
      material = readMaterial(this.s);
      cert = checkMaterial(material);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'gateway tls: changed cert/key do not load; keeping the previous pair');
      return;
    }
    if (material.cert + material.key === this.current) return;
    this.current = material.cert + material.key;
    for (const server of this.servers) server.setSecureContext({ ...material, minVersion: TLS_MIN_VERSION });
    const pins = pinsOf(cert);
    this.logger.info(`gateway tls: reloaded certificate ${pins.leaf}; key pin ${pins.spki}`);
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}
