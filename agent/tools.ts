// The implementer's tools. Each is defined once: its zod schema is both the model's contract
// (sent as JSON Schema) and the runtime validator of the arguments the model sends back.
import { z } from 'zod';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { NotARegularFileError, PathOutsideWorkspaceError, type Sandbox } from '../sandbox/types';

const MAX_COMMAND_SECONDS = 600;
const MAX_READ_BYTES = 100_000;

/** What the model reads for a failed file operation: the reason, never a host path. */
const ERRNO_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'that path is a folder; use list_files',
  ENOTDIR: 'a part of that path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the path is too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

export const toolSchemas = {
  write_file: z
    .object({
      path: z.string().min(1).describe('Path relative to the workspace root'),
      content: z.string().describe('The whole new content of the file'),
    })
    .strict(),
  read_file: z.object({ path: z.string().min(1).describe('Path relative to the workspace root') }).strict(),
  list_files: z.object({ path: z.string().default('.').describe('Folder relative to the workspace root') }).strict(),
  run_command: z
    .object({
      command: z.string().min(1).describe('A shell command, run with /bin/sh in the workspace, without network'),
      timeout_seconds: z.number().int().min(1).max(MAX_COMMAND_SECONDS).default(60),
    })
    .strict(),
  finish: z.object({ summary: z.string().min(1).describe('What you built and how you tested it') }).strict(),
} as const;

export type ToolName = keyof typeof toolSchemas;

const descriptions: Record<ToolName, string> = {
  write_file: 'Create or overwrite a file in the workspace.',
  read_file: 'Read a file of the workspace.',
  list_files: 'List the files under a folder of the workspace.',
  run_command: 'Run a shell command in the workspace (no network) and get its exit code and output.',
  finish: 'Call when the implementation is complete and your own tests pass.',
};

let definitions: ChatCompletionFunctionTool[] | undefined;

/** The tools as the model sees them; built once, since every turn sends (and measures) the same. */
export function toolDefinitions(): ChatCompletionFunctionTool[] {
  definitions ??= (Object.keys(toolSchemas) as ToolName[]).map((name) => {
    const { $schema: _ignored, ...parameters } = z.toJSONSchema(toolSchemas[name], { io: 'input' }) as Record<string, unknown>;
    return { type: 'function', function: { name, description: descriptions[name], parameters } };
  });
  return definitions;
}

export interface ToolOutcome {
  /** What the model reads back as the tool message. */
  content: string;
  ok: boolean;
  /** Set when the model called finish. */
  finishedSummary?: string;
}

function isToolName(name: string): name is ToolName {
  return Object.hasOwn(toolSchemas, name);
}

/** Executes one tool call; every failure becomes a message to the model, never a crash of the run. */
export async function executeTool(sandbox: Sandbox, name: string, argumentsJson: string, signal?: AbortSignal): Promise<ToolOutcome> {
  if (!isToolName(name)) {
    return { ok: false, content: `error: unknown tool "${name}"; the tools are ${Object.keys(toolSchemas).join(', ')}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(argumentsJson || '{}');
  } catch {
    return { ok: false, content: `error: the arguments of ${name} are not valid JSON` };
  }
  const parsed = toolSchemas[name].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, content: `error: bad arguments for ${name}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message}` };
  }
  try {
    return await runValidated(sandbox, name, parsed.data, signal);
  } catch (err) {
    if (err instanceof PathOutsideWorkspaceError || err instanceof NotARegularFileError) {
      return { ok: false, content: `error: ${err.message}` };
    }
    // Any failure of the file system is the agent's to handle, not a reason to end the run.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return { ok: false, content: `error: ${ERRNO_MESSAGES[code] ?? code}` };
    }
    throw err;
  }
}

async function runValidated(sandbox: Sandbox, name: ToolName, args: unknown, signal?: AbortSignal): Promise<ToolOutcome> {
  switch (name) {
    case 'write_file': {
      const a = args as z.infer<typeof toolSchemas.write_file>;
      await sandbox.writeFile(a.path, a.content);
      return { ok: true, content: `wrote ${a.path} (${Buffer.byteLength(a.content)} bytes)` };
    }
    case 'read_file': {
      const a = args as z.infer<typeof toolSchemas.read_file>;
      const { content, totalBytes } = await sandbox.readFile(a.path, MAX_READ_BYTES);
      return {
        ok: true,
        content: totalBytes > MAX_READ_BYTES ? `${content}\n[truncated: the file has ${totalBytes} bytes]` : content,
      };
    }
    case 'list_files': {
      const a = args as z.infer<typeof toolSchemas.list_files>;
      const files = await sandbox.listFiles(a.path);
      return { ok: true, content: files.length ? files.join('\n') : '(no files)' };
    }
    case 'run_command': {
      const a = args as z.infer<typeof toolSchemas.run_command>;
      const r = await sandbox.run(a.command, { timeoutMs: a.timeout_seconds * 1000, signal });
      const status = r.timedOut ? `timed out after ${a.timeout_seconds}s` : `exit code ${r.exitCode}`;
      return { ok: r.exitCode === 0, content: `${status}\n${r.output}` };
    }
    case 'finish': {
      const a = args as z.infer<typeof toolSchemas.finish>;
      return { ok: true, content: 'finished', finishedSummary: a.summary };
    }
  }
}
