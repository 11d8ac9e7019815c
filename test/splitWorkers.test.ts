// A split deployment: validation runs only where a worker serves the validation queue (the one
// machine meant to hold the holdouts); the implementer side alone cannot judge a candidate.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalBinary } from '../runtime/temporalBinary';
import { statusQuery } from '../workflows/factoryRun';
import { demoInput, REPO, startRun, startTwin, TWIN_KEY, type FactoryTestEnv } from './support/factoryEnv';

function worker(address: string, home: string, only: string): ChildProcess {
  return spawn(process.execPath, [path.join(REPO, 'bin', 'factory.js'), 'worker', '--only', only], {
    stdio: 'ignore',
    env: { ...process.env, TEMPORAL_ADDRESS: address, FACTORY_HOME: home, OPENAI_API_KEY: TWIN_KEY },
  });
}

test('validation waits for a validation worker; the implementer worker never runs it', { timeout: 120_000 }, async () => {
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: ensureTemporalBinary() } } });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-split-'));
  const twin = await startTwin(path.join(REPO, 'twins', 'openai', 'scripts', 'slugify-demo.yaml'));
  const workers = [worker(env.address, home, 'implementer')];
  try {
    const handle = await startRun({ env } as FactoryTestEnv, demoInput(twin));
    let phase = '';
    for (let i = 0; i < 100 && phase !== 'validate'; i++) {
      await new Promise((r) => setTimeout(r, 300));
      phase = (await handle.query(statusQuery).catch(() => undefined))?.phase ?? '';
    }
    assert.equal(phase, 'validate');
    await new Promise((r) => setTimeout(r, 2000));
    const waiting = await handle.query(statusQuery);
    assert.equal(waiting.phase, 'validate', 'validation ran without a validation worker');
    assert.equal(waiting.history.length, 0);
    assert.equal(fs.existsSync(path.join(home, 'holdout-store')), false, 'the implementer worker wrote holdout output');

    workers.push(worker(env.address, home, 'validation'));
    const result = await handle.result();
    assert.equal(result.outcome, 'converged', result.reason);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await twin.close();
    await env.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
