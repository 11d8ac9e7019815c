// The `factory` command line: parse, validate, call Temporal, print. No factory logic lives here.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FactoryRunInput, FactoryRunResult, RunStatus } from '../domain/run';
import { TASK_QUEUES } from '../domain/run';
import { ContentStore } from '../runtime/contentStore';
import { runServerInForeground, stopEmbeddedServer } from '../runtime/embeddedServer';
import { factoryPaths, PACKAGE_ROOT } from '../runtime/paths';
import { materializeWorkspace } from '../sandbox/snapshot';
import { startOpenAITwin } from '../twins/openai/server';
import { loadTwinScript } from '../twins/openai/script';
import type { factoryRun } from '../workflows/factoryRun';
import { cancelSignal, setBudgetUpdate, statusQuery } from '../workflows/factoryRun';
import { exitCodeFor, iterationLine, resultJson, summaryLines } from './output';
import { InputError, loadRunInput, type RunOverrides } from './runInput';
import { ensureBackgroundWorker, runWorkersForever, stopBackgroundWorker, temporalClient, temporalTarget, withInProcessWorkers, type TemporalTarget } from './temporal';

const USAGE = `usage:
  factory demo [--json]                         run the example spec to convergence, offline
  factory run --spec DIR --holdout DIR [--model M] [--budget-usd N] [--threshold X]
              [--max-iterations N] [--base-url URL] [--json] [--detach] [--worker]
  factory status ID [--json]
  factory list [--json]                         the runs on this Temporal server, newest first
  factory export ID DIR
  factory cancel ID
  factory budget ID USD                         raise (or lower) the cap of a live run
  factory worker [--only implementer|validation]  serve the factory's task queues (both by default)
  factory server                                the embedded Temporal dev server, in the foreground
  factory stop                                  stop the embedded server and background worker`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

class UsageError extends Error {}

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo':
        return await demo(rest);
      case 'run':
        return await run(rest);
      case 'status':
        return await status(rest);
      case 'list':
        return await list(rest);
      case 'export':
        return await exportRun(rest);
      case 'cancel':
        return await cancel(rest);
      case 'budget':
        return await budget(rest);
      case 'worker':
        return await worker(rest);
      case 'server':
        return await runServerInForeground(factoryPaths(), err);
      case 'stop':
        return await stop();
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      err(`factory: ${(e as Error).message.split('\n')[0]} (see "factory help")`);
      return 2;
    }
    if (e instanceof InputError) {
      err(`factory: ${e.message}`);
      return 2;
    }
    if (e instanceof WorkflowNotFoundError) {
      err(`factory: no run with id "${e.workflowId}" on this Temporal server: check the id, and FACTORY_HOME or TEMPORAL_ADDRESS`);
      return 2;
    }
    err(`factory: ${(e as Error).message}`);
    return 1;
  }
}

function startRun(client: Client, input: FactoryRunInput): Promise<WorkflowHandle<typeof factoryRun>> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runId = `${input.settings.name}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
  return client.workflow.start<typeof factoryRun>('factoryRun', {
    taskQueue: TASK_QUEUES.implementer,
    workflowId: runId,
    args: [input],
  });
}

/** Waits for the run, printing each iteration as it is validated. Ctrl-C leaves the run alive. */
async function follow(handle: WorkflowHandle<typeof factoryRun>, print: boolean): Promise<FactoryRunResult> {
  process.once('SIGINT', () => {
    err(`\nrun ${handle.workflowId} goes on: "factory worker" resumes it, "factory status ${handle.workflowId}" shows it`);
    process.exit(130);
  });
  const result = handle.result();
  let shown = 0;
  const show = (s: RunStatus | undefined): void => {
    if (!s || !print) return;
    for (; shown < s.history.length; shown++) err(iterationLine(s.history[shown]!));
  };
  for (;;) {
    const done = await Promise.race([result.then((r) => ({ r })), new Promise<undefined>((r) => setTimeout(r, 1000))]);
    if (done) {
      show(done.r);
      return done.r;
    }
    show(await handle.query(statusQuery).catch(() => undefined));
  }
}

function exportCandidate(target: TemporalTarget, s: RunStatus, dir: string): number {
  if (!s.best) throw new Error(`run ${s.runId} has no validated candidate yet`);
  const abs = path.resolve(dir);
  if (fs.existsSync(abs) && fs.readdirSync(abs).length) throw new Error(`${abs} is not empty: export into a new or empty folder`);
  return materializeWorkspace(new ContentStore(target.paths.store), s.best.candidateDigest, abs);
}

function report(r: FactoryRunResult & { exportedTo?: string }, json: boolean): number {
  if (json) out(resultJson(r));
  else {
    for (const line of summaryLines(r)) out(line);
    if (r.exportedTo) out(`${r.outcome === 'converged' ? 'converged code' : "the best candidate's code"}: ${r.exportedTo}`);
  }
  return exitCodeFor(r);
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const input = loadRunInput(path.join(PACKAGE_ROOT, 'specs', 'slugify'), path.join(PACKAGE_ROOT, 'holdout', 'slugify'));
  const target = await temporalTarget(err);
  // The demo's model is the OpenAI twin running a scripted implementer: offline, and the real SDK.
  const twin = await startOpenAITwin({ script: loadTwinScript(path.join(PACKAGE_ROOT, 'twins', 'openai', 'scripts', 'slugify-demo.yaml')) });
  try {
    input.settings.llmBaseUrl = twin.url;
    const client = await temporalClient(target);
    const handle = await startRun(client, input);
    err(`demo run ${handle.workflowId}: spec specs/slugify, holdout holdout/slugify, model ${input.settings.model} on the OpenAI twin at ${twin.url}`);
    const result = await withInProcessWorkers(target, follow(handle, true));
    const exportedTo = path.join(target.paths.home, 'exports', result.runId);
    if (result.best) exportCandidate(target, result, exportedTo);
    return report({ ...result, exportedTo: result.best ? exportedTo : undefined }, values.json);
  } finally {
    await twin.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      spec: { type: 'string' },
      holdout: { type: 'string' },
      model: { type: 'string' },
      'budget-usd': { type: 'string' },
      threshold: { type: 'string' },
      'max-iterations': { type: 'string' },
      'base-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      detach: { type: 'boolean', default: false },
      worker: { type: 'boolean', default: false },
    },
  });
  if (!values.spec || !values.holdout) throw new UsageError('run needs --spec DIR and --holdout DIR');
  const overrides: RunOverrides = {
    model: values.model,
    budgetUsd: numberFlag('budget-usd', values['budget-usd']),
    threshold: numberFlag('threshold', values.threshold),
    maxIterations: numberFlag('max-iterations', values['max-iterations']),
    baseUrl: values['base-url'],
  };
  const input = loadRunInput(values.spec, values.holdout, overrides);
  const target = await temporalTarget(err);
  const client = await temporalClient(target);
  const handle = await startRun(client, input);

  if (values.detach) {
    if (target.embedded) ensureBackgroundWorker(target.paths);
    out(values.json ? JSON.stringify({ runId: handle.workflowId }) : handle.workflowId);
    return 0;
  }
  if (!values.json) err(`run ${handle.workflowId} started`);
  const hostWorker = target.embedded || values.worker;
  const result = hostWorker ? await withInProcessWorkers(target, follow(handle, !values.json)) : await follow(handle, !values.json);
  return report(result, values.json);
}

/** A run's status: from its result when it has ended (no worker needed), else from a live query. */
async function fetchStatus(client: Client, runId: string): Promise<RunStatus> {
  const handle = client.workflow.getHandle<typeof factoryRun>(runId);
  const description = await handle.describe();
  if (description.status.name === 'COMPLETED') return handle.result();
  if (description.status.name !== 'RUNNING') {
    throw new Error(`run ${runId} ended as ${description.status.name} without a result`);
  }
  try {
    return await client.connection.withDeadline(Date.now() + 5000, () => handle.query(statusQuery));
  } catch {
    throw new Error(`run ${runId} is running but no worker answers: start one with "factory worker" to resume it`);
  }
}

/** The handle of a run that is still going; an ended run can no longer be changed. */
async function liveRun(client: Client, runId: string): Promise<WorkflowHandle<typeof factoryRun>> {
  const handle = client.workflow.getHandle<typeof factoryRun>(runId);
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') return handle;
  const outcome = status.name === 'COMPLETED' ? (await handle.result()).outcome : status.name.toLowerCase();
  throw new Error(`run ${runId} has already ended (${outcome}): only a live run can be changed`);
}

async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const runId = positionals[0];
  if (!runId) throw new UsageError('status needs a run id');
  const client = await temporalClient(await temporalTarget(err));
  const s = await fetchStatus(client, runId);
  if (values.json) out(resultJson(s));
  else {
    out(`run ${s.runId} (${s.name}): phase ${s.phase}, iteration ${s.iteration}${s.outcome ? `, outcome ${s.outcome}` : ''}`);
    for (const h of s.history) out(iterationLine(h));
    for (const line of summaryLines(s).slice(1)) out(line);
  }
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const client = await temporalClient(await temporalTarget(err));
  const runs: Array<{ runId: string; status: string; startedAt: string }> = [];
  // Continued executions share their run id: the newest execution speaks for the run.
  for await (const w of client.workflow.list({ query: `WorkflowType = 'factoryRun'` })) {
    if (runs.some((r) => r.runId === w.workflowId)) continue;
    // A finished run's state is its factory outcome (converged, budget_exhausted…), read from its result.
    const state =
      w.status.name === 'COMPLETED'
        ? (await client.workflow.getHandle<typeof factoryRun>(w.workflowId).result()).outcome
        : w.status.name.toLowerCase();
    runs.push({ runId: w.workflowId, status: state, startedAt: w.startTime.toISOString() });
  }
  if (values.json) out(JSON.stringify({ runs }));
  else if (!runs.length) out('no runs yet: start one with "factory run" or "factory demo"');
  else for (const r of runs) out(`${r.runId}  ${r.status.padEnd(16)}  started ${r.startedAt}`);
  return 0;
}

async function exportRun(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [runId, dir] = positionals;
  if (!runId || !dir) throw new UsageError('export needs a run id and a folder');
  const target = await temporalTarget(err);
  const s = await fetchStatus(await temporalClient(target), runId);
  const files = exportCandidate(target, s, dir);
  const note = s.outcome === 'converged' ? 'converged' : `best so far, run ${s.outcome ?? 'still running'}`;
  out(`exported ${files} files of iteration ${s.best!.iteration} (${note}) to ${path.resolve(dir)}`);
  return 0;
}

async function cancel(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const runId = positionals[0];
  if (!runId) throw new UsageError('cancel needs a run id');
  const client = await temporalClient(await temporalTarget(err));
  await (await liveRun(client, runId)).signal(cancelSignal, 'factory cancel');
  out(`cancel requested for ${runId}: it ends after the step in flight`);
  return 0;
}

async function budget(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [runId, amount] = positionals;
  const capUsd = numberFlag('budget', amount);
  if (!runId || capUsd === undefined) throw new UsageError('budget needs a run id and a number of USD');
  const client = await temporalClient(await temporalTarget(err));
  let s: RunStatus;
  try {
    s = await (await liveRun(client, runId)).executeUpdate(setBudgetUpdate, { args: [capUsd] });
  } catch (e) {
    // The workflow's validator says why; the client wraps it as "Workflow Update failed".
    if (e instanceof WorkflowUpdateFailedError && e.cause) throw new Error(`run ${runId}: ${e.cause.message}`);
    throw e;
  }
  out(`run ${runId}: cap is now $${s.capUsd.toFixed(4)}, spent $${s.spentUsd.toFixed(4)}`);
  return 0;
}

async function worker(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { only: { type: 'string' } } });
  if (values.only !== undefined && values.only !== 'implementer' && values.only !== 'validation') {
    throw new UsageError(`--only takes "implementer" or "validation", got "${values.only}"`);
  }
  const queues = { implementer: values.only !== 'validation', validation: values.only !== 'implementer' };
  const target = await temporalTarget(err);
  const served = [queues.implementer && TASK_QUEUES.implementer, queues.validation && TASK_QUEUES.validation].filter(Boolean);
  err(`worker serving ${served.join(' and ')} on ${target.address}`);
  await runWorkersForever(target, queues);
  return 0;
}

/** Runs survive this: their state is in the server's file, and the next command resumes them. */
async function stop(): Promise<number> {
  const paths = factoryPaths();
  const worker = stopBackgroundWorker(paths);
  const server = await stopEmbeddedServer(paths);
  out(`${worker ? 'stopped the background worker' : 'no background worker'}; ${server ? 'stopped the embedded server' : 'no embedded server'}`);
  return 0;
}
