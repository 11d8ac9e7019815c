// Wires the factory's activities and workflows to their task queues. No logic lives here.
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activityDeps } from '../activities/deps';
import { createImplementerActivities, createValidationActivities } from '../activities';
import type { LlmClientConfig } from '../activities/llm';
import { TASK_QUEUES } from '../domain/run';

export interface FactoryWorkersOptions {
  connection: NativeConnection;
  namespace?: string;
  /** FACTORY_HOME of the activities; defaults to the environment's. */
  home?: string;
  llm?: LlmClientConfig;
  /** A prebuilt workflow bundle (tests share one); built on first use otherwise. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Which task queues to serve: both in the embedded default; a split deployment runs validation
   * on the only machine that holds the holdout, and the implementer side elsewhere. */
  queues?: { implementer: boolean; validation: boolean };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function factoryWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, meta?: Record<string, unknown>) => process.stderr.write(`${message} ${JSON.stringify(meta ?? {})}\n`),
};

export async function createFactoryWorkers(options: FactoryWorkersOptions): Promise<Worker[]> {
  const deps = activityDeps(options.home);
  const namespace = options.namespace ?? 'default';
  const queues = options.queues ?? { implementer: true, validation: true };
  const workers: Worker[] = [];
  if (queues.implementer) {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace,
        taskQueue: TASK_QUEUES.implementer,
        workflowBundle: options.workflowBundle ?? (await factoryWorkflowBundle()),
        activities: createImplementerActivities(deps, options.llm),
      }),
    );
  }
  if (queues.validation) {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace,
        taskQueue: TASK_QUEUES.validation,
        activities: createValidationActivities(deps),
      }),
    );
  }
  return workers;
}

/** Runs the workers until `untilDone` settles (or forever), then shuts them down cleanly. */
export async function runWorkers<T>(workers: Worker[], untilDone?: Promise<T>): Promise<T | undefined> {
  const running = workers.map((w) => w.run());
  if (!untilDone) {
    await Promise.all(running);
    return undefined;
  }
  try {
    return await untilDone;
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running);
  }
}
