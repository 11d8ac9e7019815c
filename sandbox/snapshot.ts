// Workspace snapshots: a manifest of path → blob digest in the content store. A candidate is its
// manifest's digest, so history carries 64 characters instead of a workspace.
import fs from 'node:fs';
import path from 'node:path';
import type { ContentStore, Digest } from '../runtime/contentStore';

export interface WorkspaceManifest {
  files: Record<string, { digest: Digest; executable: boolean }>;
}

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAX_FILE_BYTES = 5 * 1024 * 1024;

export function snapshotWorkspace(store: ContentStore, workspaceDir: string): { digest: Digest; fileCount: number } {
  const manifest: WorkspaceManifest = { files: {} };
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile()) {
        const stat = fs.statSync(full);
        if (stat.size > MAX_FILE_BYTES) continue;
        const rel = path.relative(workspaceDir, full).split(path.sep).join('/');
        manifest.files[rel] = { digest: store.put(fs.readFileSync(full)), executable: (stat.mode & 0o111) !== 0 };
      }
      // symlinks and other special files are not part of a candidate
    }
  };
  walk(workspaceDir);
  return { digest: store.putJson(manifest), fileCount: Object.keys(manifest.files).length };
}

export function materializeWorkspace(store: ContentStore, manifestDigest: Digest, targetDir: string): number {
  const manifest = store.getJson<WorkspaceManifest>(manifestDigest);
  fs.mkdirSync(targetDir, { recursive: true });
  for (const [rel, entry] of Object.entries(manifest.files)) {
    const file = path.resolve(targetDir, rel);
    if (!file.startsWith(path.resolve(targetDir) + path.sep)) throw new Error(`manifest path escapes target: ${rel}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, store.get(entry.digest), { mode: entry.executable ? 0o755 : 0o644 });
  }
  return Object.keys(manifest.files).length;
}
