/**
 * The browser's Ed25519 device identity (assistant.md 11.4, protocol.md 5.1), made with
 * WebCrypto and kept in this browser's IndexedDB. The private key is a non-extractable
 * CryptoKey: page script can sign with it but never read it, so even a script injected into
 * the page could not carry the key away.
 */

/** What a connect needs from the identity. */
export interface BrowserIdentity {
  /** Lowercase hex SHA-256 of the raw public key. */
  deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  sign(payload: string): Promise<string>;
}

interface StoredKeys {
  version: 1;
  deviceId: string;
  publicKey: string;
  privateKey: CryptoKey;
  createdAtMs: number;
}

const DB_NAME = 'farclaw-control-ui';
const STORE = 'identity';
const KEY = 'device-identity-v1';

/** base64url without padding (protocol.md 5.1). */
export function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const b of view) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

async function openDb(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

/** Why this page cannot hold a device key, or undefined when it can. */
export function secureContextProblem(): string | undefined {
  if (globalThis.isSecureContext && globalThis.crypto?.subtle) return undefined;
  return 'This page is not a secure context, so the browser will not create a device key. ' +
    'Open it through an SSH tunnel (http://127.0.0.1:…) or over https (gateway TLS or Tailscale Serve).';
}

async function create(): Promise<StoredKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = await crypto.subtle.exportKey('raw', pair.publicKey);
  return {
    version: 1,
    deviceId: hex(await crypto.subtle.digest('SHA-256', raw)),
    publicKey: base64Url(raw),
    privateKey: pair.privateKey,
    createdAtMs: Date.now(),
  };
}

/** Loads this browser's identity, creating it on first use. */
export async function loadOrCreateBrowserIdentity(): Promise<BrowserIdentity> {
  const problem = secureContextProblem();
  if (problem) throw new Error(problem);
  const db = await openDb();
  try {
    let stored = (await request(db.transaction(STORE).objectStore(STORE).get(KEY))) as StoredKeys | undefined;
    if (stored?.version !== 1) {
      const fresh = await create();
      // `add` fails when another tab created the identity meanwhile; then that one is used.
      try {
        await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(fresh, KEY));
        stored = fresh;
      } catch {
        stored = (await request(db.transaction(STORE).objectStore(STORE).get(KEY))) as StoredKeys;
      }
    }
    const { deviceId, publicKey, privateKey } = stored;
    return {
      deviceId,
      publicKey,
      async sign(payload) {
        const sig = await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, new TextEncoder().encode(payload));
        return base64Url(sig);
      },
    };
  } finally {
    db.close();
  }
}
