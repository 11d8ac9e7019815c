import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countObservations } from '../../domain/observations';

const nodeTap = `TAP version 13
# Subtest: group
    # Subtest: inner one
    ok 1 - inner one
    # Subtest: inner two
    not ok 2 - inner two
    1..2
not ok 1 - group
# Subtest: top
ok 2 - top
# Subtest: skipped
ok 3 - skipped # SKIP
1..3
# pass 2
`;

test('TAP: each leaf test point is an observation; parents and skips are not', () => {
  assert.deepEqual(countObservations(nodeTap, 1), { passed: 2, total: 3, format: 'tap' });
});

test('JUnit XML: each test case is an observation', () => {
  const xml = `<testsuite><testcase name="a"/><testcase name="b"><failure message="x"/></testcase><testcase name="c"><skipped/></testcase><testcase name="d"></testcase></testsuite>`;
  assert.deepEqual(countObservations(xml, 1), { passed: 2, total: 3, format: 'junit' });
});

test('plain output: the exit code is one observation', () => {
  assert.deepEqual(countObservations('all good', 0), { passed: 1, total: 1, format: 'exit-code' });
  assert.deepEqual(countObservations('boom', 2), { passed: 0, total: 1, format: 'exit-code' });
  assert.deepEqual(countObservations('', null), { passed: 0, total: 1, format: 'exit-code' });
});

test('a crash after passing tests still counts as a failure', () => {
  assert.deepEqual(countObservations('ok 1 - a\nok 2 - b\n', 137), { passed: 2, total: 3, format: 'tap' });
});

test('TAP lines that disagree with the plan are not trusted: the exit code decides', () => {
  const forged = 'ok 1 - real\nok 2 - printed by the candidate\nok 3 - printed by the candidate\n1..1\n';
  assert.deepEqual(countObservations(forged, 1), { passed: 0, total: 1, format: 'exit-code' });
});

test('a report cut at the output cap is judged by its exit code alone', () => {
  assert.deepEqual(countObservations('ok 1 - a\nok 2 - b\n', 1, true), { passed: 0, total: 1, format: 'exit-code' });
  assert.deepEqual(countObservations('ok 1 - a\n', 0, true), { passed: 1, total: 1, format: 'exit-code' });
});
