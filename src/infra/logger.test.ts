import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { HumanLines } from './logger.js';

function render(records: object[]): Promise<string> {
  const out = new PassThrough();
  const lines = new HumanLines(out);
  for (const r of records) lines.write(JSON.stringify(r));
  return new Promise((resolve) => lines.end(() => resolve(String(out.read() ?? ''))));
}

describe('console log lines', () => {
  it('shows gateway-level records and per-connection warnings, not per-connection chatter', async () => {
    const text = await render([
      { level: 30, time: 0, msg: 'listening on ws://127.0.0.1:18789' },
      { level: 30, time: 0, msg: 'client connected', conn: 'c1' },
      { level: 40, time: 0, msg: 'slow consumer: send buffer over limit, closing', conn: 'c2' },
      { level: 50, time: 0, msg: 'state database unavailable' },
    ]);
    assert.equal(
      text,
      '00:00:00 info listening on ws://127.0.0.1:18789\n' +
        '00:00:00 warn slow consumer: send buffer over limit, closing\n' +
        '00:00:00 error state database unavailable\n',
    );
  });
});
