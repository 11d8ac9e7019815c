import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meetsThreshold, satisfaction, wilsonInterval } from '../../domain/satisfaction';

test('Wilson interval matches the textbook figures', () => {
  const { lower, upper } = wilsonInterval(0.5, 100);
  assert.ok(Math.abs(lower - 0.4038) < 1e-3 && Math.abs(upper - 0.5962) < 1e-3, `${lower} ${upper}`);
  const all = wilsonInterval(1, 10);
  assert.ok(Math.abs(all.lower - 0.7225) < 1e-3, String(all.lower));
  assert.ok(all.upper > 0.999999 && all.upper <= 1);
});

test('one lucky pass does not converge; many passes do', () => {
  const one = satisfaction([{ scenarioId: 'a', weight: 1, passed: 1, total: 1 }]);
  assert.equal(one.estimate, 1);
  assert.equal(meetsThreshold(one, 0.8), false);
  const many = satisfaction([{ scenarioId: 'a', weight: 1, passed: 20, total: 20 }]);
  assert.equal(meetsThreshold(many, 0.8), true);
});

test('weights tilt the estimate and shrink the effective sample', () => {
  const s = satisfaction([
    { scenarioId: 'heavy', weight: 3, passed: 0, total: 10 },
    { scenarioId: 'light', weight: 1, passed: 10, total: 10 },
  ]);
  assert.equal(s.estimate, 0.25);
  assert.equal(s.observations, 20);
  assert.ok(s.effectiveObservations < 20);
  assert.ok(s.lower < 0.25 && s.upper > 0.25);
});

test('no observations means no confidence at all', () => {
  assert.deepEqual(satisfaction([]), { estimate: 0, lower: 0, upper: 1, observations: 0, effectiveObservations: 0 });
});
