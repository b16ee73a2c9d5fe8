import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryGaps } from '../src/tail/history-gaps.js';

test('history gaps: ids passed over hold the checkpoint until found and acknowledged, or given up after their wait', () => {
  const g = new HistoryGaps(1000, 100);
  g.note(10, [11, 14, 15], 0);
  assert.deepEqual(g.toAsk(0), [12, 13]);
  assert.equal(g.limit(15), 11, 'below the lowest open id');
  g.shipped([12]);
  assert.deepEqual(g.toAsk(10), [13], 'one being shipped is not asked for again');
  assert.equal(g.limit(15), 11, 'nor does it free the checkpoint before its acknowledgement');
  g.acknowledged([12]);
  assert.equal(g.limit(15), 12);
  assert.deepEqual(g.toAsk(1001), [], '13 waited too long: a rolled-back insert');
  assert.equal(g.givenUp, 1);
  assert.equal(g.limit(15), 15);
  assert.equal(g.limit(9), 9, 'never past what is acknowledged');
});

test('history gaps: memory is bounded whatever the jump in ids', () => {
  const g = new HistoryGaps(1000, 100);
  g.note(0, [1_000_001], 0);
  assert.equal(g.size, 100);
  assert.equal(g.givenUp, 1_000_000 - 100);
  assert.deepEqual(g.toAsk(0).slice(0, 2), [999_901, 999_902], 'the highest ids are kept');
  g.note(1_000_001, [1_000_003], 0);
  assert.equal(g.size, 100, 'the oldest goes first');
  assert.equal(g.toAsk(0).at(-1), 1_000_002);
});
