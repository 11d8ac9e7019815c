// Holdout integrity, shown with a canary: a string planted everywhere in a holdout (scenario id,
// command, material, output) must reach no LLM request and no file of the implementer's side.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadRunInput } from '../cli/runInput';
import { parseTwinScript, startFactoryTestEnv, startRun, startTwin, type FactoryTestEnv } from './support/factoryEnv';

let t: FactoryTestEnv;
before(async () => {
  t = await startFactoryTestEnv();
});
after(async () => {
  await t?.close();
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

function filesContaining(dir: string, needle: string): string[] {
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

// The implementer goes looking: the environment, the file system, the holdout's usual places.
const PROBE = 'env; echo "holdout dir: $HOLDOUT_DIR"; ls -la / /tmp /workspace /holdout 2>&1; ' +
  'grep -rsl canary /etc /usr/local /tmp /workspace /holdout 2>/dev/null | head -20; cat /holdout/* 2>&1 | head';

test('a canary planted in the holdout reaches no LLM request and no file of the implementer', async () => {
  const canary = `canary${randomBytes(8).toString('hex')}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-'));
  const specDir = path.join(root, 'spec');
  const holdoutDir = path.join(root, 'holdout');
  fs.mkdirSync(specDir);
  fs.mkdirSync(holdoutDir);
  fs.writeFileSync(path.join(specDir, 'spec.md'), '# Shout\nWrite shout.js that prints its argument in upper case.\n');
  fs.writeFileSync(path.join(specDir, 'factory.yaml'), 'name: shout\ntestCommand: node shout.js hi\nmaxIterations: 2\nbudgetUsd: 1\n');
  fs.writeFileSync(path.join(holdoutDir, 'secret-material.txt'), `expected output: ${canary}\n`);
  fs.writeFileSync(
    path.join(holdoutDir, 'scenarios.yaml'),
    [
      'scenarios:',
      `  - id: ${canary}-scenario`,
      `    run: echo "${canary} in the command"; cat "$HOLDOUT_DIR/secret-material.txt"; node shout.js ${canary}; exit 1`,
      '    trials: 2',
      '    feedback: The output must be shouted with three exclamation marks.',
    ].join('\n'),
  );

  const turns = [
    { toolCalls: [{ name: 'run_command', arguments: { command: PROBE, timeout_seconds: 30 } }] },
    { toolCalls: [{ name: 'write_file', arguments: { path: 'shout.js', content: 'console.log(String(process.argv[2]).toUpperCase());\n' } }] },
    { toolCalls: [{ name: 'finish', arguments: { summary: 'done' } }] },
  ];
  const twin = await startTwin(
    parseTwinScript({
      models: ['gpt-4.1-mini'],
      episodes: [
        { name: 'retry', when: { contains: 'Feedback from validation' }, turns },
        { name: 'first', turns },
      ],
    }),
  );
  try {
    const input = loadRunInput(specDir, holdoutDir);
    input.settings.llmBaseUrl = twin.url;
    const handle = await startRun(t, input);
    const result = await handle.result();
    assert.equal(result.outcome, 'max_iterations', result.reason);
    assert.equal(result.history.length, 2);

    // The canary was live: validation read it and wrote it to the holdout side's store.
    assert.ok(filesContaining(path.join(t.home, 'holdout-store'), canary).length > 0, 'the scenario never ran');
    // The feedback channel works: the allowed sentence reached the second iteration.
    const requests = JSON.stringify(twin.requests());
    assert.match(requests, /shouted with three exclamation marks/);
    // The probe ran in the implementer's sandbox and its output went back to the model.
    assert.match(requests, /holdout dir: \\n/);

    assert.ok(!requests.includes(canary), 'the canary reached an LLM request');
    assert.deepEqual(filesContaining(path.join(t.home, 'workspaces', handle.workflowId), canary), []);
    assert.deepEqual(filesContaining(path.join(t.home, 'store'), canary), [], 'the canary reached the implementer side\'s store');
  } finally {
    await twin.close();
  }
});
