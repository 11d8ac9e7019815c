// The convergence loop on a real Temporal server, its model the OpenAI twin driven by the real SDK.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { REPO, demoInput, parseTwinScript, startFactoryTestEnv, startRun, startTwin, type FactoryTestEnv } from './support/factoryEnv';
import { factoryWorkflowBundle } from '../workers/factoryWorkers';
import { setBudgetUpdate, statusQuery } from '../workflows/factoryRun';

/** Every payload in a history, decoded: what the workflow put into Temporal's database. */
function payloadTexts(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) payloadTexts(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) payloadTexts(v, out);
  return out;
}

const DEMO_SCRIPT = path.join(REPO, 'twins', 'openai', 'scripts', 'slugify-demo.yaml');
const HISTORY_FIXTURES = path.join(REPO, 'test', 'fixtures', 'histories');

/**
 * A run's history must replay without non-determinism; with RECORD_HISTORIES=1 it also becomes a
 * fixture that future workflow code must keep replaying (change logic behind patched() to do so).
 */
async function replayAndRecord(handle: WorkflowHandle, name: string): Promise<void> {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await factoryWorkflowBundle() }, history, handle.workflowId);
  if (process.env.RECORD_HISTORIES === '1') {
    fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
    fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
  }
}

let t: FactoryTestEnv;
before(async () => {
  t = await startFactoryTestEnv();
});
after(async () => {
  await t?.close();
});

test('the demo spec converges in two iterations: a flawed attempt, feedback, the fix', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    const handle = await startRun(t, demoInput(twin));
    const result = await handle.result();
    assert.equal(result.outcome, 'converged', result.reason);
    assert.equal(result.history.length, 2);
    const [first, second] = result.history;
    assert.ok(first!.satisfaction.lower < 0.8, 'the first attempt must not pass');
    assert.ok(first!.scenarios.some((s) => s.id === 'separators' && s.passed < s.total));
    assert.ok(second!.satisfaction.lower >= 0.8);
    assert.equal(result.best?.iteration, 2);
    assert.ok(result.spentUsd > 0 && result.spentUsd <= result.capUsd);

    // The second iteration's prompt carried the failing scenario's feedback sentence, and nothing else of the holdout.
    const prompts = twin.requests().map((r) => JSON.stringify(r.body.messages));
    assert.ok(prompts.some((p) => p.includes('collapse into one single dash')));
    for (const p of prompts) assert.doesNotMatch(p, /HOLDOUT_DIR|plain-words|accents-and-types|Trim me/);

    // The status query answers on a finished run too, from the worker's replay.
    const status = await handle.query(statusQuery);
    assert.equal(status.phase, 'done');

    // History carries digests, never conversations or workspaces: no code and no prompt text in it.
    const history = await handle.fetchHistory();
    const historyText = payloadTexts(history).join('\n');
    assert.match(historyText, /"candidateDigest":"[0-9a-f]{64}"/);
    assert.doesNotMatch(historyText, /normalize\('NFKD'\)|You are the implementer|Crème/);

    await replayAndRecord(handle, 'slugify-converged');
  } finally {
    await twin.close();
  }
});

test('recorded histories of full runs replay against the current workflow code', async () => {
  const files = fs.readdirSync(HISTORY_FIXTURES).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('slugify-converged.json'), 'the converged run is among the recorded histories');
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await factoryWorkflowBundle() }, history, file);
  }
});

test('the budget guard ends a run as budget_exhausted without spend ever passing the cap', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    const capUsd = 0.004;
    const handle = await startRun(t, demoInput(twin, { budgetUsd: capUsd, maxOutputTokens: 4096 }));
    const result = await handle.result();
    assert.equal(result.outcome, 'budget_exhausted', result.reason);
    assert.ok(result.spentUsd <= capUsd, `spent ${result.spentUsd} of ${capUsd}`);
    assert.ok(result.spentUsd > 0 && result.history.length >= 1);
    assert.match(result.reason ?? '', /USD left/);
    // The last calls went out with their output clamped to what was left.
    const limits = twin.requests().map((r) => r.body.max_completion_tokens as number);
    assert.ok(limits.some((l) => l < 4096), `max_completion_tokens were ${limits.join(',')}`);
    // Its last work was still validated and kept as the best candidate.
    assert.ok(result.best, 'the best candidate is kept');
    await replayAndRecord(handle, 'slugify-budget-exhausted');
  } finally {
    await twin.close();
  }
});

test('a user can raise the cap of a live run', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    const handle = await startRun(t, demoInput(twin, { budgetUsd: 0.00001 }));
    const raised = await handle.executeUpdate(setBudgetUpdate, { args: [0.5] });
    assert.equal(raised.capUsd, 0.5);
    const result = await handle.result();
    assert.equal(result.outcome, 'converged', result.reason);
    await assert.rejects(handle.executeUpdate(setBudgetUpdate, { args: [-1] }));
  } finally {
    await twin.close();
  }
});

test('an unknown model without a price fails the run with one clear line', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    const handle = await startRun(t, demoInput(twin, { model: 'mystery-model' }));
    const result = await handle.result();
    assert.equal(result.outcome, 'failed');
    assert.match(result.reason ?? '', /no price for model "mystery-model".*factory\.yaml/);
  } finally {
    await twin.close();
  }
});

test('a wrong API key fails the run at once with the fix, not after endless retries', async () => {
  const twin = await startTwin(DEMO_SCRIPT, 'sk-a-different-key');
  try {
    const result = await (await startRun(t, demoInput(twin))).result();
    assert.equal(result.outcome, 'failed');
    assert.match(result.reason ?? '', /refused the API key.*OPENAI_API_KEY/);
    assert.equal(twin.requests().length, 0);
  } finally {
    await twin.close();
  }
});

test('a 429 with retry-after and a 500 are retried, and the run still converges', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    twin.injectFaults([{ type: 'rate_limit', retryAfterSeconds: 1 }, { type: 'server_error' }]);
    const result = await (await startRun(t, demoInput(twin))).result();
    assert.equal(result.outcome, 'converged', result.reason);
    const faulted = twin.requests().filter((r) => r.fault);
    assert.equal(faulted.length, 2);
  } finally {
    await twin.close();
  }
});

test('cancel ends a run cleanly as cancelled', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    twin.injectFaults([{ type: 'slow', delayMs: 1500 }]);
    const handle = await startRun(t, demoInput(twin));
    await handle.signal('cancel', 'test');
    const result = await handle.result();
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.phase, 'done');
    await replayAndRecord(handle, 'cancelled');
  } finally {
    await twin.close();
  }
});

test('a failing self-test goes back to the agent, which fixes its code before validation', async () => {
  const fixed = [
    "function slugify(text) {",
    "  if (typeof text !== 'string') throw new TypeError('slugify expects a string');",
    "  return text.normalize('NFKD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');",
    '}',
    'module.exports = { slugify };',
  ].join('\n');
  const ownTest = "const test = require('node:test'); const assert = require('node:assert');\n" +
    "test('words', () => assert.equal(require('../slugify').slugify('A b'), 'a-b'));\n";
  const twin = await startTwin(
    parseTwinScript({
      models: ['gpt-4.1-mini'],
      episodes: [
        {
          name: 'self-test-loop',
          turns: [
            {
              toolCalls: [
                { name: 'write_file', arguments: { path: 'slugify.js', content: 'exports.slugify = () => { throw new Error("todo"); };' } },
                { name: 'write_file', arguments: { path: 'test/own.test.js', content: ownTest } },
                { name: 'finish', arguments: { summary: 'first try' } },
              ],
            },
            { toolCalls: [{ name: 'write_file', arguments: { path: 'slugify.js', content: fixed } }, { name: 'finish', arguments: { summary: 'fixed' } }] },
          ],
        },
      ],
    }),
  );
  try {
    const handle = await startRun(t, demoInput(twin));
    const result = await handle.result();
    assert.equal(result.outcome, 'converged', result.reason);
    assert.equal(result.history.length, 1);
    await replayAndRecord(handle, 'self-test-fixed');
    assert.equal(result.history[0]!.selfTestPassed, true);
    const second = JSON.stringify(twin.requests()[1]!.body.messages);
    assert.match(second, /Your test command exited with code 1/);
    assert.match(second, /todo/);
  } finally {
    await twin.close();
  }
});

test('a model the endpoint does not serve fails the run at once with the fix', async () => {
  const twin = await startTwin(parseTwinScript({ models: ['gpt-4.1-mini'], episodes: [{ name: 'any', turns: [{ content: 'hi' }] }] }));
  try {
    const result = await (await startRun(t, demoInput(twin, { model: 'gpt-4o' }))).result();
    assert.equal(result.outcome, 'failed');
    assert.match(result.reason ?? '', /model "gpt-4o" is not served at .* \(404\): pass --model/);
    assert.equal(twin.requests().length, 1, 'a 404 is not retried');
  } finally {
    await twin.close();
  }
});

test('a run continues as new at iteration boundaries and carries its ledger, history and best candidate', async () => {
  const twin = await startTwin(DEMO_SCRIPT);
  try {
    const handle = await startRun(t, demoInput(twin, { iterationsPerExecution: 1 }));
    const result = await handle.result(); // follows the chain of executions
    assert.equal(result.outcome, 'converged', result.reason);
    assert.deepEqual(result.history.map((h) => h.iteration), [1, 2]);
    assert.ok(result.spentUsd > result.history[0]!.spentUsd, 'the second execution kept the first one\'s spend');

    const executions: string[] = [];
    for await (const w of t.env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) executions.push(w.status.name);
    assert.deepEqual(executions.sort(), ['COMPLETED', 'CONTINUED_AS_NEW']);
    // The second execution's input carries digests and figures, not the conversation or workspace.
    const second = await handle.fetchHistory();
    const started = payloadTexts(second.events?.[0]).join('');
    assert.match(started, /"carried":\{"lastIteration":1/);
    assert.doesNotMatch(started, /normalize\('NFKD'\)|You are the implementer/);
    await replayAndRecord(handle, 'continued-as-new-second-execution');
  } finally {
    await twin.close();
  }
});
