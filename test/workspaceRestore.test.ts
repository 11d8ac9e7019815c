// A run whose workspace disappeared (another machine, a wiped disk) gets it back from the store.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { conversationActivities } from '../activities/conversation';
import { activityDeps } from '../activities/deps';
import { sandboxActivities, workspaceDir } from '../activities/sandbox';

test('the next iteration starts from the last candidate when the workspace is gone', async () => {
  const deps = activityDeps(fs.mkdtempSync(path.join(os.tmpdir(), 'restore-')));
  const ws = workspaceDir(deps, 'run-r');
  fs.mkdirSync(path.join(ws, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'lib', 'code.js'), 'module.exports = 42;\n');
  const { candidateDigest } = await sandboxActivities(deps).snapshotCandidate({ runId: 'run-r' });
  fs.rmSync(ws, { recursive: true });

  const conv = conversationActivities(deps);
  const { specDigest } = await conv.snapshotSpec({ specDir: path.resolve(__dirname, '..', 'specs', 'slugify'), name: 'slugify', testCommand: 'node --test' });
  const started = await conv.startConversation({ runId: 'run-r', iteration: 2, specDigest, workspaceFrom: candidateDigest });

  assert.equal(fs.readFileSync(path.join(ws, 'lib', 'code.js'), 'utf8'), 'module.exports = 42;\n');
  const { messages } = deps.store.getJson<{ messages: Array<{ content: string }> }>(started.conversationDigest);
  assert.match(messages.at(-1)!.content, /- lib\/code\.js/);
});
