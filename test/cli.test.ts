// End to end: the `factory` CLI as a user runs it, on its embedded Temporal dev server, against
// an OpenAI twin started as its own process, with a spec and holdout the factory has never seen.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const REPO = path.resolve(__dirname, '..');
const FACTORY = path.join(REPO, 'bin', 'factory.js');
const ROMAN = path.join(REPO, 'test', 'fixtures', 'roman');
const KEY = 'sk-cli-test-key';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-cli-home-'));
let twinUrl = '';
let twinProcess: ReturnType<typeof spawn> | undefined;

function factory(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [FACTORY, ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, FACTORY_HOME: home, OPENAI_BASE_URL: twinUrl, OPENAI_API_KEY: KEY, TEMPORAL_ADDRESS: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLine(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `--json prints one line, got: ${stdout}`);
  return JSON.parse(lines[0]!);
}

/** Polls `factory status` until the run has an outcome (two minutes at most). */
async function statusWhenEnded(runId: string): Promise<Record<string, any>> {
  let last: Record<string, any> = {};
  for (let i = 0; i < 120 && !last.outcome; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = factory(['status', runId, '--json']);
    if (s.code === 0) last = jsonLine(s.stdout);
  }
  return last;
}

before(async () => {
  twinProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'twins', 'openai', 'main.ts'), '--script', path.join(ROMAN, 'twin-script.yaml'), '--port', '0', '--api-key', KEY], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  twinUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    twinProcess!.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /listening on (\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    twinProcess!.once('exit', (code) => reject(new Error(`twin exited with ${code}`)));
  });
});

after(() => {
  factory(['stop']);
  twinProcess?.kill('SIGTERM');
  fs.rmSync(home, { recursive: true, force: true });
});

test('factory demo converges offline and says where the code is', () => {
  const demo = factory(['demo', '--json']);
  assert.equal(demo.code, 0, demo.stderr);
  const result = jsonLine(demo.stdout);
  assert.equal(result.outcome, 'converged');
  assert.equal(result.iterations, 2);
  assert.ok(fs.existsSync(path.join(result.exportedTo, 'slugify.js')));
  // Progress went to stderr, one line per iteration.
  assert.match(demo.stderr, /iteration 1: satisfaction [\d.]+% .*\niteration 2: satisfaction 100\.0%/);
});

test('an unseen spec converges after two iterations, and its export passes the holdout', () => {
  const run = factory(['run', '--spec', path.join(ROMAN, 'spec'), '--holdout', path.join(ROMAN, 'holdout'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = jsonLine(run.stdout);
  assert.equal(result.outcome, 'converged');
  assert.equal(result.iterations, 2);
  assert.ok(result.satisfaction.lower >= 0.8 && result.satisfaction.estimate === 1);
  assert.ok(result.spentUsd > 0 && result.spentUsd <= 0.25);

  // The run id works after the command that started the run has exited, and after the embedded
  // server itself was stopped: the next command starts it again from its state file.
  const stopped = factory(['stop']);
  assert.match(stopped.stdout, /stopped the embedded server/);
  const status = factory(['status', result.runId, '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(jsonLine(status.stdout).outcome, 'converged');
  assert.equal(jsonLine(status.stdout).iterations, 2);

  const late = factory(['budget', result.runId, '1']);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /has already ended \(converged\): only a live run can be changed/);

  const listed = factory(['list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(jsonLine(listed.stdout).runs.some((r: { runId: string; status: string }) => r.runId === result.runId && r.status === 'converged'));

  const dir = path.join(home, 'export-roman');
  const exported = factory(['export', result.runId, dir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'roman.js')));
  const holdout = path.join(ROMAN, 'holdout');
  for (const file of ['additive', 'subtractive', 'range']) {
    const r = spawnSync(process.execPath, ['--test', path.join(holdout, `${file}.test.js`)], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH! } });
    assert.equal(r.status, 0, `${file}: ${r.stdout}`);
  }
});

test('bad input gets one clear line and starts nothing', () => {
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-spec-'));
  fs.writeFileSync(path.join(bad, 'spec.md'), '# something\n');
  fs.writeFileSync(path.join(bad, 'factory.yaml'), 'name: x\n');
  const holdout = path.join(ROMAN, 'holdout');
  const spec = path.join(ROMAN, 'spec');
  const cases: Array<[string[], RegExp]> = [
    [['run', '--spec', bad, '--holdout', holdout], /factory\.yaml: field "testCommand"/],
    [['run', '--spec', spec, '--holdout', holdout, '--model', 'gpt-imaginary'], /no price for model "gpt-imaginary"/],
    [['run', '--spec', spec, '--holdout', path.join(bad, 'nope')], /holdout folder .* does not exist/],
    [['run', '--spec', spec, '--holdout', bad], /scenarios\.yaml not found/],
    [['run', '--spec', spec, '--holdout', holdout, '--budget-usd', 'lots'], /--budget-usd needs a number/],
    [['run', '--spec', spec], /needs --spec DIR and --holdout DIR/],
    [['run', '--spec', spec, '--holdout', holdout, '--threshold', '80'], /--threshold 80: .*<1/],
    [['run', '--spec', spec, '--holdout', holdout, '--budget-usd=-1'], /--budget-usd -1: .*>0/],
  ];
  for (const [args, message] of cases) {
    const r = factory(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, message);
  }
  const badHoldout = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-holdout-'));
  fs.writeFileSync(path.join(badHoldout, 'scenarios.yaml'), '- id: a\n  run: "true"\n  trials: 0\n');
  const r = factory(['run', '--spec', spec, '--holdout', badHoldout]);
  assert.match(r.stderr, /scenarios\.yaml: field "scenarios\.0\.trials"/);
});

test('a wrong API key ends the run as failed with the fix', () => {
  const run = factory(['run', '--spec', path.join(ROMAN, 'spec'), '--holdout', path.join(ROMAN, 'holdout'), '--json'], { OPENAI_API_KEY: 'sk-wrong' });
  assert.equal(run.code, 1);
  const result = jsonLine(run.stdout);
  assert.equal(result.outcome, 'failed');
  assert.match(result.reason, /refused the API key \(401\): set OPENAI_API_KEY/);
});

// Last: the background worker it starts serves every later run of this FACTORY_HOME with its own key.
test('a detached run goes on in the background and reports through status', async () => {
  const started = factory(['run', '--spec', path.join(ROMAN, 'spec'), '--holdout', path.join(ROMAN, 'holdout'), '--detach', '--json']);
  assert.equal(started.code, 0, started.stderr);
  const { runId } = jsonLine(started.stdout);
  const last = await statusWhenEnded(runId);
  assert.equal(last.outcome, 'converged');
  assert.equal(last.iterations, 2);
});

test('a run survives stopping the server and its worker: status says so, a new worker finishes it', async () => {
  // The roman script's third call hangs, so the run is surely in flight when everything stops.
  const faults = await fetch(`${twinUrl.replace(/\/v1$/, '')}/_twin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: [{ type: 'slow', delayMs: 1 }, { type: 'slow', delayMs: 1 }, { type: 'slow', delayMs: 10_000 }] }),
  });
  assert.equal(faults.status, 200);
  const started = factory(['run', '--spec', path.join(ROMAN, 'spec'), '--holdout', path.join(ROMAN, 'holdout'), '--detach', '--json']);
  const { runId } = jsonLine(started.stdout);
  await new Promise((r) => setTimeout(r, 3000));
  assert.match(factory(['stop']).stdout, /stopped the background worker; stopped the embedded server/);

  const orphaned = factory(['status', runId]);
  assert.equal(orphaned.code, 1);
  assert.match(orphaned.stderr, /no worker answers: start one with "factory worker"/);

  const worker = spawn(process.execPath, [FACTORY, 'worker'], {
    stdio: 'ignore',
    env: { ...process.env, FACTORY_HOME: home, OPENAI_API_KEY: KEY, TEMPORAL_ADDRESS: '' },
  });
  try {
    const last = await statusWhenEnded(runId);
    assert.equal(last.outcome, 'converged');
    assert.equal(last.iterations, 2);
  } finally {
    worker.kill('SIGTERM');
  }
});
