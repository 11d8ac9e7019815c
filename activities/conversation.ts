// Starting an iteration's conversation: system prompt, the spec, the workspace and the feedback.
import fs from 'node:fs';
import path from 'node:path';
import { saveConversation, type ConversationRef } from '../agent/conversation';
import { SYSTEM_PROMPT, iterationMessage, specMessage, type SpecDocument } from '../agent/prompts';
import type { ImplementerFeedback } from '../workflows/feedback';
import type { ActivityDeps } from './deps';
import { materializeWorkspace } from '../sandbox/snapshot';
import { implementerSandbox, workspaceDir } from './sandbox';

export interface StartConversationInput {
  runId: string;
  iteration: number;
  specDigest: string;
  feedback?: ImplementerFeedback;
  /** The candidate the workspace held at the end of the previous iteration. */
  workspaceFrom?: string;
}

export interface SpecSnapshot {
  name: string;
  testCommand: string;
  documents: SpecDocument[];
}

export function conversationActivities(deps: ActivityDeps) {
  return {
    /** Copies the spec's markdown into the store so a multi-day run keeps the spec it started with. */
    async snapshotSpec(input: { specDir: string; name: string; testCommand: string }): Promise<{ specDigest: string }> {
      const documents: SpecDocument[] = fs
        .readdirSync(input.specDir)
        .filter((f) => f.toLowerCase().endsWith('.md'))
        .sort()
        .map((f) => ({ path: f, content: fs.readFileSync(path.join(input.specDir, f), 'utf8') }));
      const snapshot: SpecSnapshot = { name: input.name, testCommand: input.testCommand, documents };
      return { specDigest: deps.store.putJson(snapshot) };
    },

    async startConversation(input: StartConversationInput): Promise<ConversationRef> {
      const spec = deps.store.getJson<SpecSnapshot>(input.specDigest);
      // A run that moved to another machine (or lost its disk) finds its workspace in the store.
      const workspace = workspaceDir(deps, input.runId);
      if (input.workspaceFrom && !fs.existsSync(workspace)) materializeWorkspace(deps.store, input.workspaceFrom, workspace);
      const files = await implementerSandbox(deps, input.runId).listFiles('.');
      return saveConversation(deps.store, [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: specMessage(spec.name, spec.testCommand, spec.documents) },
        { role: 'user', content: iterationMessage(input.iteration, files, input.feedback) },
      ]);
    },
  };
}
