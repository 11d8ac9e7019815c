// How the CLI reaches Temporal: TEMPORAL_ADDRESS if set, else the embedded dev server, which it
// starts when needed. Also hosts in-process workers for the commands that wait on a run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureEmbeddedServer } from '../runtime/embeddedServer';
import { factoryPaths, PACKAGE_ROOT, type FactoryPaths } from '../runtime/paths';
import { createFactoryWorkers, runWorkers } from '../workers/factoryWorkers';
import type { LlmClientConfig } from '../activities/llm';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  embedded: boolean;
  paths: FactoryPaths;
}

export async function temporalTarget(log: (line: string) => void): Promise<TemporalTarget> {
  const paths = factoryPaths();
  fs.mkdirSync(paths.home, { recursive: true });
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const explicit = process.env.TEMPORAL_ADDRESS;
  if (explicit) return { address: explicit, namespace, embedded: false, paths };
  return { address: await ensureEmbeddedServer(paths, log), namespace, embedded: true, paths };
}

export async function temporalClient(target: TemporalTarget): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: target.address, connectTimeout: '10s' });
    return new Client({ connection, namespace: target.namespace });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${target.address} (${(err as Error).message.split('\n')[0]}): ` +
        (target.embedded ? 'run "factory server" to see why the embedded server fails' : 'check TEMPORAL_ADDRESS or unset it to use the embedded server'),
    );
  }
}

/** Runs the factory's workers in this process until `untilDone` settles. */
export async function withInProcessWorkers<T>(target: TemporalTarget, untilDone: Promise<T>, llm?: LlmClientConfig): Promise<T> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: target.address });
  try {
    const workers = await createFactoryWorkers({ connection, namespace: target.namespace, home: target.paths.home, llm });
    return (await runWorkers(workers, untilDone)) as T;
  } finally {
    await connection.close();
  }
}

/** Runs the workers until SIGINT/SIGTERM: `factory worker`. */
export async function runWorkersForever(target: TemporalTarget, queues?: { implementer: boolean; validation: boolean }): Promise<void> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: target.address });
  const workers = await createFactoryWorkers({ connection, namespace: target.namespace, home: target.paths.home, queues });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop());
  await runWorkers(workers, stopped);
  await connection.close();
}

function liveBackgroundWorker(paths: FactoryPaths): number | undefined {
  const pidFile = path.join(paths.home, 'worker.pid');
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : NaN);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // stale pid file
  }
}

export function stopBackgroundWorker(paths: FactoryPaths): boolean {
  const pid = liveBackgroundWorker(paths);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  return true;
}

/** For --detach on the embedded server: a background `factory worker`, unless one is already alive. */
export function ensureBackgroundWorker(paths: FactoryPaths): number {
  const existing = liveBackgroundWorker(paths);
  if (existing !== undefined) return existing;
  const pidFile = path.join(paths.home, 'worker.pid');
  fs.mkdirSync(paths.logs, { recursive: true });
  const out = fs.openSync(path.join(paths.logs, 'worker.log'), 'a');
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'factory.js'), 'worker'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, FACTORY_HOME: paths.home },
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  return child.pid!;
}
