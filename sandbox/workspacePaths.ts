// Confines paths given by the agent to its workspace, including through symlinks it may have made
// with run_command: every existing component is checked with lstat, and a symlink on the way must
// resolve, fully, to a place inside the workspace. A dangling symlink is refused, because writing
// through it would create its target wherever it points.
import fs from 'node:fs';
import path from 'node:path';
import { PathOutsideWorkspaceError } from './types';

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

export function resolveInWorkspace(workspaceRoot: string, requested: string): string {
  const cleaned = requested.replace(/^\/workspace(\/|$)/, '');
  if (path.isAbsolute(cleaned) || cleaned.includes('\0')) throw new PathOutsideWorkspaceError(requested);
  const root = fs.realpathSync(workspaceRoot);
  const lexical = path.resolve(root, cleaned);
  if (!isInside(root, lexical)) throw new PathOutsideWorkspaceError(requested);

  let current = root;
  for (const part of path.relative(root, lexical).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    const stat = lstatOrUndefined(current);
    if (!stat) break; // from here on the path does not exist yet: it will be created inside
    if (!stat.isSymbolicLink()) continue;
    let target: string;
    try {
      target = fs.realpathSync(current);
    } catch {
      throw new PathOutsideWorkspaceError(requested); // dangling, or a loop
    }
    if (!isInside(root, target)) throw new PathOutsideWorkspaceError(requested);
  }
  return lexical;
}
