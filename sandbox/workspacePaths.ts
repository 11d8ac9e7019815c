// Confines paths given by the agent to its workspace, including through symlinks it may have made.
import fs from 'node:fs';
import path from 'node:path';
import { PathOutsideWorkspaceError } from './types';

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Deepest existing ancestor's real path joined with the rest: resolves symlinks that exist so far. */
function realpathOfPossiblyMissing(p: string): string {
  let existing = p;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    rest.unshift(path.basename(existing));
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

export function resolveInWorkspace(workspaceRoot: string, requested: string): string {
  const cleaned = requested.replace(/^\/workspace(\/|$)/, '');
  if (path.isAbsolute(cleaned) || cleaned.includes('\0')) throw new PathOutsideWorkspaceError(requested);
  const root = fs.realpathSync(workspaceRoot);
  const lexical = path.resolve(root, cleaned);
  if (!isInside(root, lexical)) throw new PathOutsideWorkspaceError(requested);
  if (!isInside(root, realpathOfPossiblyMissing(lexical))) throw new PathOutsideWorkspaceError(requested);
  return lexical;
}
