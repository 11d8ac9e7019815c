// A worker killed in the middle of an LLM call: a new worker picks the run up, only the step in
// flight is redone, and no completed LLM call is made (and paid for) again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalBinary } from '../runtime/temporalBinary';
import { demoInput, REPO, startRun, startTwin, TWIN_KEY, type FactoryTestEnv } from './support/factoryEnv';

function startWorker(address: string, home: string): ChildProcess {
  return spawn(process.execPath, [path.join(REPO, 'bin', 'factory.js'), 'worker'], {
    stdio: 'ignore',
    env: { ...process.env, TEMPORAL_ADDRESS: address, FACTORY_HOME: home, OPENAI_API_KEY: TWIN_KEY },
  });
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('killing the worker mid-call loses only the step in flight', { timeout: 180_000 }, async () => {
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: ensureTemporalBinary() } } });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-durability-'));
  const twin = await startTwin(path.join(REPO, 'twins', 'openai', 'scripts', 'slugify-demo.yaml'));
  const workers: ChildProcess[] = [];
  try {
    // The third LLM call hangs long enough for the worker to die while it is in flight.
    twin.injectFaults([{ type: 'slow', delayMs: 1 }, { type: 'slow', delayMs: 1 }, { type: 'slow', delayMs: 8000 }]);
    workers.push(startWorker(env.address, home));
    const handle = await startRun({ env } as FactoryTestEnv, demoInput(twin));
    await until(() => twin.requests().length === 3, 60_000);
    workers[0]!.kill('SIGKILL');
    workers.push(startWorker(env.address, home));

    const result = await handle.result();
    assert.equal(result.outcome, 'converged', result.reason);
    assert.equal(result.history.length, 2);

    const bodies = twin.requests().map((r) => JSON.stringify(r.body));
    const repeats = bodies.filter((b, i) => bodies.indexOf(b) !== i);
    assert.equal(repeats.length, 1, 'exactly the call in flight was made again');
    assert.equal(repeats[0], bodies[2], 'the repeated call is the one the crash interrupted');
    // The lost call may have been paid: it is on the ledger at its worst case, and the cap held.
    assert.equal(result.lostLlmCalls, 1);
    assert.ok(result.spentUsd <= result.capUsd);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await twin.close();
    await env.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
