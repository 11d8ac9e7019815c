// The implementer's sandbox: its tool calls, its self-test and the snapshot of its workspace.
import path from 'node:path';
import { executeTool } from '../agent/tools';
import { loadConversation } from '../agent/conversation';
import { selfTestMessage } from '../agent/prompts';
import { BubblewrapSandbox } from '../sandbox/bubblewrap';
import { snapshotWorkspace } from '../sandbox/snapshot';
import { runLogger, type ActivityDeps } from './deps';
import { finalFailure } from './errors';
import { whileHeartbeating } from './heartbeat';

/** Escaping can make text longer on the wire (a newline becomes two bytes): bound the sent form. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

export function workspaceDir(deps: ActivityDeps, runId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw finalFailure(`bad run id ${runId}`, 'BadRunId');
  return path.join(deps.paths.workspaces, runId);
}

export function implementerSandbox(deps: ActivityDeps, runId: string): BubblewrapSandbox {
  return new BubblewrapSandbox({ id: runId, workspaceDir: workspaceDir(deps, runId), hiddenPaths: [deps.paths.home] });
}

export interface RunToolInput {
  runId: string;
  conversationDigest: string;
  toolCallId: string;
}

export interface RunToolResult {
  toolCallId: string;
  name: string;
  ok: boolean;
  contentDigest: string;
  /** What the result adds to the next prompt, JSON-escaped as it is sent: feeds the budget's input bound. */
  contentBytes: number;
  finishedSummary?: string;
}

export interface SelfTestResult {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** The report the agent reads when its tests fail. */
  reportDigest: string;
  reportBytes: number;
}

export function sandboxActivities(deps: ActivityDeps) {
  return {
    /** Runs one tool call of the model; its arguments are read from the stored conversation, not history. */
    async runTool(input: RunToolInput): Promise<RunToolResult> {
      const { messages } = loadConversation(deps.store, input.conversationDigest);
      const last = messages[messages.length - 1];
      const call =
        last && last.role === 'assistant' ? last.tool_calls?.find((c) => c.id === input.toolCallId) : undefined;
      if (!call || call.type !== 'function') {
        throw finalFailure(`tool call ${input.toolCallId} is not in the conversation`, 'MissingToolCall');
      }
      const sandbox = implementerSandbox(deps, input.runId);
      const outcome = await whileHeartbeating((signal) => executeTool(sandbox, call.function.name, call.function.arguments, signal));
      runLogger(deps, input.runId, undefined, 'implement').debug({ tool: call.function.name, ok: outcome.ok }, 'tool call');
      return {
        toolCallId: call.id,
        name: call.function.name,
        ok: outcome.ok,
        contentDigest: deps.store.put(outcome.content),
        contentBytes: jsonBytes(outcome.content) + call.id.length,
        finishedSummary: outcome.finishedSummary,
      };
    },

    async runSelfTest(input: { runId: string; testCommand: string; timeoutSeconds: number }): Promise<SelfTestResult> {
      const sandbox = implementerSandbox(deps, input.runId);
      const r = await whileHeartbeating((signal) => sandbox.run(input.testCommand, { timeoutMs: input.timeoutSeconds * 1000, signal }));
      const report = selfTestMessage(r.exitCode, r.timedOut, r.output);
      return {
        passed: r.exitCode === 0,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        reportDigest: deps.store.put(report),
        reportBytes: jsonBytes(report),
      };
    },

    async snapshotCandidate(input: { runId: string }): Promise<{ candidateDigest: string; fileCount: number }> {
      const { digest, fileCount } = snapshotWorkspace(deps.store, workspaceDir(deps, input.runId));
      return { candidateDigest: digest, fileCount };
    },
  };
}
