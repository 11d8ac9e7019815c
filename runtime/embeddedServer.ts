// The embedded default: a real Temporal dev server on loopback, its state in a SQLite file under
// FACTORY_HOME so that a restart resumes runs. It runs detached, so commands that take a run id
// work after the command that started the run has exited; server.json says where it listens.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ensureTemporalBinary } from './temporalBinary';
import type { FactoryPaths } from './paths';

const serverStateSchema = z.object({ pid: z.number().int(), address: z.string(), dbFile: z.string() });
export type ServerState = z.infer<typeof serverStateSchema>;

const STARTUP_TIMEOUT_MS = 60_000;

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

/** Distinct free ports: all held open at once, since a port just closed can be handed out again. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve(srv));
      }),
    ),
  );
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

export function canConnect(address: string, timeoutMs = 1000): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readServerState(paths: FactoryPaths): ServerState | undefined {
  try {
    return serverStateSchema.parse(JSON.parse(fs.readFileSync(paths.serverState, 'utf8')));
  } catch {
    return undefined;
  }
}

async function serverArgs(paths: FactoryPaths): Promise<{ args: string[]; address: string }> {
  const [port, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
    '--http-port', String(httpPort), '--metrics-port', String(metricsPort),
    '--db-filename', paths.temporalDb, '--log-level', 'error',
  ];
  return { args, address };
}

async function waitUntilServing(address: string, child: { exitCode: number | null }, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0] : '';
      throw new ServerStartError(`the Temporal dev server exited with code ${child.exitCode}: ${tail} (log: ${logFile})`);
    }
    if (await canConnect(address)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ServerStartError(`the Temporal dev server did not listen on ${address} within ${STARTUP_TIMEOUT_MS / 1000}s (log: ${logFile})`);
}

/** Returns the address of the embedded server, starting it (detached) if it is not running. */
export async function ensureEmbeddedServer(paths: FactoryPaths, log: (line: string) => void = () => {}): Promise<string> {
  const existing = readServerState(paths);
  if (existing && isAlive(existing.pid) && (await canConnect(existing.address))) return existing.address;

  const binary = ensureTemporalBinary(log);
  fs.mkdirSync(paths.logs, { recursive: true });
  const logFile = path.join(paths.logs, 'temporal-server.log');
  // Another program may take one of the chosen ports before the server binds it: choose again.
  for (let attempt = 1; ; attempt++) {
    const { args, address } = await serverArgs(paths);
    const out = fs.openSync(logFile, 'a');
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.unref();
    try {
      await waitUntilServing(address, child, logFile);
    } catch (err) {
      if (attempt < 3 && /address already in use/.test((err as Error).message)) continue;
      throw err;
    }
    const state: ServerState = { pid: child.pid!, address, dbFile: paths.temporalDb };
    fs.writeFileSync(paths.serverState, JSON.stringify(state));
    return address;
  }
}

/** `factory server`: the same server in the foreground, until the user stops it. */
export async function runServerInForeground(paths: FactoryPaths, log: (line: string) => void): Promise<number> {
  const binary = ensureTemporalBinary(log);
  fs.mkdirSync(paths.home, { recursive: true });
  const { args, address } = await serverArgs(paths);
  const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const logFile = path.join(paths.logs, 'temporal-server.log');
  await waitUntilServing(address, child, logFile);
  fs.writeFileSync(paths.serverState, JSON.stringify({ pid: child.pid!, address, dbFile: paths.temporalDb }));
  log(`Temporal dev server listening on ${address} (state in ${paths.temporalDb}); Ctrl-C stops it`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

/** Stops the server and waits for it to let go of its database file, so a restart can open it. */
export async function stopEmbeddedServer(paths: FactoryPaths, waitMs = 15_000): Promise<boolean> {
  const state = readServerState(paths);
  if (!state || !isAlive(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + waitMs;
  while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  return true;
}
