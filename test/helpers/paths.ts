import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/…, two or three levels below it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Our CLI entry point. */
export const FARCLAW_BIN = join(REPO_ROOT, 'bin', 'farclaw.js');
