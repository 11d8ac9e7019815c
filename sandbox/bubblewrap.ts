// The local sandbox: each command runs under bubblewrap with the workspace as the only writable
// place, no network (a fresh network namespace has only loopback), an empty environment, only the
// system folders mounted read-only (never the home, the project, the factory state or a holdout),
// a timeout and an output cap, and the whole process tree killed at the end.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveInWorkspace } from './workspacePaths';
import { NotARegularFileError, type CommandResult, type RunOptions, type Sandbox } from './types';

/** System folders a command needs to find its tools. Deliberately not /home, /root, /work, /tmp, /opt. */
export const SYSTEM_READONLY_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Of /etc only what programs need to start; never shadow, keys or host configuration. */
const ETC_ENTRIES = [
  'passwd', 'group', 'hosts', 'nsswitch.conf', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives',
  'ssl/certs', 'ca-certificates', 'localtime', 'timezone', 'os-release', 'debian_version', 'mime.types',
];
const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const WORKSPACE_MOUNT = '/workspace';
const DEFAULT_OUTPUT_CAP_BYTES = 64 * 1024;
const IGNORED_IN_LISTINGS = new Set(['node_modules', '.git']);

export class SandboxUnavailableError extends Error {
  constructor(detail: string) {
    super(
      `bubblewrap cannot run here (${detail}): install it with "apt-get install -y bubblewrap" ` +
        'and make sure unprivileged user namespaces are allowed',
    );
    this.name = 'SandboxUnavailableError';
  }
}

export interface ExtraMount {
  hostPath: string;
  sandboxPath: string;
  readOnly: boolean;
}

export interface BubblewrapOptions {
  id: string;
  workspaceDir: string;
  /** Further mounts, e.g. the holdout read-only in a validation sandbox. */
  mounts?: ExtraMount[];
  /** Host paths that must stay invisible even if they lie under a mounted system folder. */
  hiddenPaths?: string[];
  outputCapBytes?: number;
  bwrapPath?: string;
}

/** Where a path really is, through symlinks, so a check cannot be fooled by a link into /usr. */
export function realpathOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

let bwrapChecked: string | undefined;

export function assertBubblewrapWorks(bwrapPath = 'bwrap'): void {
  if (bwrapChecked === bwrapPath) return;
  const probe = spawnSync(bwrapPath, ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.error) throw new SandboxUnavailableError((probe.error as NodeJS.ErrnoException).code ?? probe.error.message);
  if (probe.status !== 0) throw new SandboxUnavailableError(probe.stderr.trim().split('\n')[0] || `exit code ${probe.status}`);
  bwrapChecked = bwrapPath;
}

export class BubblewrapSandbox implements Sandbox {
  readonly id: string;
  private readonly workspaceDir: string;

  constructor(private readonly options: BubblewrapOptions) {
    this.id = options.id;
    this.workspaceDir = path.resolve(options.workspaceDir);
    fs.mkdirSync(this.workspaceDir, { recursive: true });
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    const file = resolveInWorkspace(this.workspaceDir, relativePath);
    const existing = await fs.promises.stat(file).catch(() => undefined);
    if (existing && !existing.isFile()) {
      if (existing.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
      throw new NotARegularFileError(relativePath);
    }
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, content, 'utf8');
  }

  async readFile(relativePath: string, maxBytes: number): Promise<{ content: string; totalBytes: number }> {
    const file = resolveInWorkspace(this.workspaceDir, relativePath);
    const stat = await fs.promises.stat(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new NotARegularFileError(relativePath);
    const handle = await fs.promises.open(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(maxBytes, stat.size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return { content: buffer.subarray(0, bytesRead).toString('utf8'), totalBytes: stat.size };
    } finally {
      await handle.close();
    }
  }

  async listFiles(relativePath: string): Promise<string[]> {
    const start = resolveInWorkspace(this.workspaceDir, relativePath || '.');
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
        if (IGNORED_IN_LISTINGS.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else out.push(path.relative(this.workspaceDir, full));
      }
    };
    await walk(start);
    return out.sort();
  }

  run(command: string, options: RunOptions): Promise<CommandResult> {
    assertBubblewrapWorks(this.options.bwrapPath);
    const args = this.bwrapArgs(options.env ?? {});
    args.push('--', '/bin/sh', '-c', command);
    const cap = this.options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      // detached: the child leads its own process group, so the whole tree can be killed at once.
      const child = spawn(this.options.bwrapPath ?? 'bwrap', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {} });
      const combined = new CappedText(cap);
      const stdout = new CappedText(cap);
      let timedOut = false;
      const killTree = (): void => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killTree();
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', killTree, { once: true });
      if (options.signal?.aborted) killTree();
      child.stdout.on('data', (chunk: Buffer) => {
        combined.add(chunk);
        stdout.add(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => combined.add(chunk));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', killTree);
        killTree(); // a daemonised grandchild dies with the namespace, but make sure of it
        resolve({
          exitCode: timedOut ? null : code,
          output: combined.text() + (timedOut ? `\n[killed: timed out after ${options.timeoutMs} ms]` : ''),
          stdout: stdout.text(),
          outputTruncated: combined.truncated,
          stdoutTruncated: stdout.truncated,
          timedOut,
          durationMs: Date.now() - started,
        });
      });
    });
  }

  private bwrapArgs(env: Record<string, string>): string[] {
    const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv', '--cap-drop', 'ALL'];
    for (const dir of SYSTEM_READONLY_DIRS) args.push('--ro-bind-try', dir, dir);
    for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
    args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
    args.push('--bind', this.workspaceDir, WORKSPACE_MOUNT);
    for (const m of this.options.mounts ?? []) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.sandboxPath);
    for (const hidden of this.options.hiddenPaths ?? []) {
      const abs = realpathOrResolved(hidden);
      if (SYSTEM_READONLY_DIRS.some((d) => abs === d || abs.startsWith(`${d}/`)) && fs.existsSync(abs)) {
        args.push('--tmpfs', abs);
      }
    }
    const baseEnv: Record<string, string> = { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' };
    for (const [k, v] of Object.entries({ ...baseEnv, ...env })) args.push('--setenv', k, v);
    args.push('--chdir', WORKSPACE_MOUNT);
    return args;
  }
}

/** Keeps the first `capBytes` of a stream and remembers whether more came. */
class CappedText {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly capBytes: number) {}
  add(chunk: Buffer): void {
    const room = this.capBytes - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${body}\n[output truncated at ${this.capBytes} bytes]` : body;
  }
}
