import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { DeviceActivity, type Seen, type Used } from './device-activity.js';

type Batch = { seen: [string, Seen][]; used: Used[] };

describe('device activity batches', () => {
  it('keeps notes in memory for readers and writes them in one batch when the timer fires', async () => {
    const batches: Batch[] = [];
    const activity = new DeviceActivity((seen, used) => void batches.push({ seen: [...seen], used: [...used] }), undefined, 20);
    activity.noteSeen('d1', 1000, 'connect');
    activity.noteSeen('d1', 2000, 'connect');
    activity.noteUsed('d1', 'operator', 2000);
    activity.noteSeen('d2', 3000, 'connect');
    assert.deepEqual(batches, [], 'written by the note itself');
    assert.deepEqual(activity.seenOf('d1'), { atMs: 2000, reason: 'connect' });
    assert.equal(activity.usedOf('d1', 'operator'), 2000);
    assert.equal(activity.usedOf('d1', 'node'), undefined);
    await waitFor('the timed batch', () => batches.length > 0, 30_000);
    assert.deepEqual(batches, [{
      seen: [['d1', { atMs: 2000, reason: 'connect' }], ['d2', { atMs: 3000, reason: 'connect' }]],
      used: [{ deviceId: 'd1', role: 'operator', atMs: 2000 }],
    }]);
    assert.equal(activity.seenOf('d1'), undefined, 'written: the database has it now');
  });

  it('keeps a batch whose write failed for the next flush, under newer notes, and reports the failure', async () => {
    let failing = true;
    const errors: unknown[] = [];
    const written: Batch[] = [];
    const activity = new DeviceActivity((seen, used) => {
      if (failing) throw new Error('database is locked');
      written.push({ seen: [...seen], used: [...used] });
    }, (err) => errors.push(err), 20);
    activity.noteSeen('d1', 1000, 'connect');
    activity.noteSeen('d2', 1000, 'connect');
    await waitFor('the failed timed flush', () => errors.length > 0, 30_000);
    assert.match(String(errors[0]), /database is locked/);
    activity.noteSeen('d2', 5000, 'connect');
    failing = false;
    activity.close();
    assert.equal(written.length, 1);
    assert.deepEqual(new Map(written[0]?.seen), new Map([['d1', { atMs: 1000, reason: 'connect' }], ['d2', { atMs: 5000, reason: 'connect' }]]));
  });

  it('writes what waits on close and nothing after it', () => {
    const written: Batch[] = [];
    const activity = new DeviceActivity((seen, used) => void written.push({ seen: [...seen], used: [...used] }), undefined, 60_000);
    activity.noteUsed('d1', 'operator', 7);
    activity.close();
    assert.deepEqual(written, [{ seen: [], used: [{ deviceId: 'd1', role: 'operator', atMs: 7 }] }]);
    activity.noteSeen('d1', 8, 'connect');
    activity.flush();
    assert.equal(written.length, 2, 'an explicit flush still writes');
  });
});
