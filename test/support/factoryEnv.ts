// A real Temporal server (the temporal CLI's dev server, through @temporalio/testing), the
// factory's workers on it, and a scratch FACTORY_HOME: what workflow tests run against.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { loadRunInput } from '../../cli/runInput';
import { TASK_QUEUES, type FactoryRunInput } from '../../domain/run';
import { ensureTemporalBinary } from '../../runtime/temporalBinary';
import { parseTwinScript, type TwinScript } from '../../twins/openai/script';
import { startOpenAITwin, type OpenAITwin } from '../../twins/openai/server';
import type { factoryRun } from '../../workflows/factoryRun';
import { createFactoryWorkers, factoryWorkflowBundle } from '../../workers/factoryWorkers';

export const REPO = path.resolve(__dirname, '..', '..');
export const TWIN_KEY = 'sk-twin-test-key';

export interface FactoryTestEnv {
  env: TestWorkflowEnvironment;
  home: string;
  workers: Worker[];
  running: Promise<unknown>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startFactoryTestEnv(): Promise<FactoryTestEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: ensureTemporalBinary() } },
  });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-test-home-'));
  const workers = await createFactoryWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    home,
    llm: { apiKey: TWIN_KEY },
    workflowBundle: await factoryWorkflowBundle(),
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    env,
    home,
    workers,
    running,
    async close() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await env.teardown();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function startTwin(script: TwinScript | string, apiKey = TWIN_KEY): Promise<OpenAITwin> {
  const parsed = typeof script === 'string' ? (await import('../../twins/openai/script')).loadTwinScript(script) : script;
  return startOpenAITwin({ script: parsed, apiKey });
}

export function demoInput(twin: OpenAITwin, overrides: Partial<FactoryRunInput['settings']> = {}): FactoryRunInput {
  const input = loadRunInput(path.join(REPO, 'specs', 'slugify'), path.join(REPO, 'holdout', 'slugify'));
  input.settings = { ...input.settings, llmBaseUrl: twin.url, ...overrides };
  return input;
}

let counter = 0;
export function startRun(t: FactoryTestEnv, input: FactoryRunInput, id?: string): Promise<WorkflowHandle<typeof factoryRun>> {
  return t.env.client.workflow.start<typeof factoryRun>('factoryRun', {
    taskQueue: TASK_QUEUES.implementer,
    workflowId: id ?? `test-run-${process.pid}-${++counter}`,
    args: [input],
  });
}

export { parseTwinScript };
