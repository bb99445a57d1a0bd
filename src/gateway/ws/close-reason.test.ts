import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CLOSE_REASON_BYTES } from '../../protocol/version.js';
import { closeReason } from './close-reason.js';

describe('closeReason (issue 12.4)', () => {
  it('keeps short reasons and cuts long ones to the 123-byte limit', () => {
    assert.equal(closeReason(''), '');
    assert.equal(closeReason('device removed'), 'device removed');
    assert.equal(closeReason('x'.repeat(200)), 'x'.repeat(MAX_CLOSE_REASON_BYTES));
  });

  it('never splits a character, whatever its width', () => {
    for (const ch of ['é', '€', '😀']) {
      for (let pad = 0; pad < 4; pad++) {
        const out = closeReason('a'.repeat(pad) + ch.repeat(100));
        const bytes = Buffer.byteLength(out);
        assert.ok(bytes <= MAX_CLOSE_REASON_BYTES && bytes > MAX_CLOSE_REASON_BYTES - 4, `${ch} pad ${pad}: ${bytes}`);
        assert.equal(Buffer.from(out).toString(), out, 'a lone surrogate or a cut character survived');
      }
    }
  });

  it('costs what the limit costs, not what the text costs (60 KB of quoted input)', () => {
    // The old loop re-measured the whole string once per removed character: ~60,000 measures of
    // ~60 KB each for one refusal quoting an attacker's key. Count the bytes measured instead of
    // timing it.
    const quoted = `device public key invalid: ${'A'.repeat(60 * 1024)}`;
    const realByteLength = Buffer.byteLength;
    let measured = 0;
    Buffer.byteLength = ((s: string | NodeJS.ArrayBufferView | ArrayBuffer, enc?: BufferEncoding) => {
      measured += typeof s === 'string' ? s.length : s.byteLength;
      return realByteLength(s, enc);
    }) as typeof Buffer.byteLength;
    let out: string;
    try {
      out = closeReason(quoted);
    } finally {
      Buffer.byteLength = realByteLength;
    }
    assert.equal(out, quoted.slice(0, MAX_CLOSE_REASON_BYTES));
    assert.ok(measured <= 4 * MAX_CLOSE_REASON_BYTES, `measured ${measured} characters to cut one reason`);
  });
});
