// A content-addressed store on disk for what is too big for workflow history: conversations,
// workspace snapshots, tool and test output. Workflow history carries only the digests.
// Writes are atomic (temp file + rename), so a crash mid-write never leaves a torn blob.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Digest = string;

export class MissingContentError extends Error {
  constructor(what: string) {
    super(`content store has no ${what}: the store under FACTORY_HOME was removed or belongs to another installation`);
    this.name = 'MissingContentError';
  }
}

export class ContentStore {
  constructor(readonly root: string) {}

  put(data: string | Buffer): Digest {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const digest = createHash('sha256').update(bytes).digest('hex');
    const file = this.blobPath(digest);
    if (!fs.existsSync(file)) writeAtomic(file, bytes);
    return digest;
  }

  get(digest: Digest): Buffer {
    try {
      return fs.readFileSync(this.blobPath(digest));
    } catch {
      throw new MissingContentError(`blob ${digest}`);
    }
  }

  getText(digest: Digest): string {
    return this.get(digest).toString('utf8');
  }

  putJson(value: unknown): Digest {
    return this.put(JSON.stringify(value));
  }

  getJson<T>(digest: Digest): T {
    return JSON.parse(this.getText(digest)) as T;
  }

  /** Named records (e.g. an LLM turn's response under its run and turn) that must survive retries. */
  putRecord(key: string, value: unknown): void {
    writeAtomic(this.recordPath(key), Buffer.from(JSON.stringify(value), 'utf8'));
  }

  getRecord<T>(key: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.recordPath(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private blobPath(digest: Digest): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a content digest: ${digest}`);
    return path.join(this.root, 'blobs', digest.slice(0, 2), digest);
  }

  private recordPath(key: string): string {
    if (!/^[A-Za-z0-9._\/-]+$/.test(key) || key.split('/').includes('..')) throw new Error(`bad record key: ${key}`);
    return path.join(this.root, 'records', `${key}.json`);
  }
}

function writeAtomic(file: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
