import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, pickBest } from '../../workflows/decide';
import { feedbackForImplementer } from '../../workflows/feedback';

const sat = (lower: number, estimate = lower + 0.1) => ({ estimate, lower, upper: Math.min(1, estimate + 0.1) });
const base = { threshold: 0.8, iteration: 1, maxIterations: 3, budgetExhausted: false, cancelled: false };

test('converges on the lower bound, not the estimate', () => {
  assert.deepEqual(decide({ ...base, satisfaction: sat(0.79, 0.95) }), { kind: 'retry' });
  assert.deepEqual(decide({ ...base, satisfaction: sat(0.8) }), { kind: 'stop', outcome: 'converged' });
});

test('converged wins over exhaustion; otherwise the run ends for its reason', () => {
  assert.deepEqual(decide({ ...base, budgetExhausted: true, satisfaction: sat(0.85) }), { kind: 'stop', outcome: 'converged' });
  assert.deepEqual(decide({ ...base, budgetExhausted: true, satisfaction: sat(0.2) }), { kind: 'stop', outcome: 'budget_exhausted' });
  assert.deepEqual(decide({ ...base, cancelled: true, satisfaction: sat(0.2) }), { kind: 'stop', outcome: 'cancelled' });
  assert.deepEqual(decide({ ...base, iteration: 3, satisfaction: sat(0.2) }), { kind: 'stop', outcome: 'max_iterations' });
});

test('the best candidate is the one we are surest of', () => {
  const a = { iteration: 1, candidateDigest: 'a', satisfaction: sat(0.6) };
  const b = { iteration: 2, candidateDigest: 'b', satisfaction: sat(0.4) };
  assert.equal(pickBest(pickBest(undefined, a), b).candidateDigest, 'a');
});

test('only the satisfaction figure and failing scenarios\' feedback sentences reach the implementer', () => {
  const fb = feedbackForImplementer(1, sat(0.5), [
    { id: 'secret-id', weight: 1, passed: 1, total: 2, feedback: 'Handle empty input.' },
    { id: 'other', weight: 1, passed: 2, total: 2, feedback: 'Never shown: this one passed.' },
    { id: 'dup', weight: 1, passed: 0, total: 2, feedback: 'Handle empty input.' },
    { id: 'silent', weight: 1, passed: 0, total: 1 },
  ]);
  assert.deepEqual(fb.sentences, ['Handle empty input.']);
  assert.doesNotMatch(JSON.stringify(fb), /secret-id|silent|Never shown/);
});
