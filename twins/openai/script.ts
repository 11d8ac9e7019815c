// The twin's "model": a script of episodes, each a list of scripted assistant turns.
// Loaded from YAML or JSON and validated here, so a typo fails at start-up with one line, not mid-run.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import YAML from 'yaml';

const toolCallSchema = z.strictObject({
  name: z.string().min(1, 'give the function name the assistant calls, e.g. write_file'),
  // A string is sent verbatim, which lets a script play a model that emits malformed arguments.
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()], {
    error: 'give the arguments as a JSON object, e.g. { path: a.js }, or as a raw string sent verbatim',
  }),
});

const turnSchema = z
  .strictObject({
    content: z.string().optional(),
    toolCalls: z.array(toolCallSchema).min(1, 'list at least one tool call, or drop toolCalls').optional(),
  })
  .refine((turn) => turn.content !== undefined || turn.toolCalls !== undefined, {
    message: 'a turn needs content, toolCalls or both',
  });

const whenSchema = z.strictObject({
  contains: z.string().optional(),
  notContains: z.string().optional(),
});

const episodeSchema = z.strictObject({
  name: z.string().min(1, 'give the episode a name'),
  when: whenSchema.optional(),
  turns: z.array(turnSchema).min(1, 'list at least one turn'),
});

export const twinScriptSchema = z
  .strictObject({
    models: z.array(z.string().min(1)).min(1, 'list at least one model id, e.g. models: [gpt-4.1-mini]'),
    episodes: z.array(episodeSchema).min(1, 'list at least one episode'),
  })
  .superRefine((script, ctx) => {
    const seen = new Set<string>();
    script.episodes.forEach((episode, index) => {
      if (seen.has(episode.name)) {
        ctx.addIssue({ code: 'custom', path: ['episodes', index, 'name'], message: `episode name "${episode.name}" is used twice; give each episode its own name` });
      }
      seen.add(episode.name);
    });
  });

export type TwinScript = z.infer<typeof twinScriptSchema>;
export type Episode = TwinScript['episodes'][number];
export type ScriptedTurn = Episode['turns'][number];
export type ScriptedToolCall = NonNullable<ScriptedTurn['toolCalls']>[number];

/** A script that cannot be read or does not match the format; the message is one line naming the file, field and fix. */
export class TwinScriptError extends Error {
  override readonly name = 'TwinScriptError';
  constructor(
    message: string,
    readonly file: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Formats a zod path the way a reader of the script would write it: episodes[0].turns[1].content */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return { present: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`;
}

function kindName(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  return `a ${expected}`;
}

/** One issue as "field X <what is wrong>; <how to fix it>". */
function describeIssue(issue: z.core.$ZodIssue, input: unknown, field: string): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `field "${field}" has unknown key ${keys}; remove it or check its spelling against the format in twins/openai/README.md`;
  }
  const { present, value } = valueAt(input, issue.path);
  if (!present && issue.code !== 'custom') {
    const hint = issue.code === 'invalid_type' ? kindName(issue.expected) : issue.message;
    return `field "${field}" is missing; add it (${hint})`;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return `the script is ${describeValue(value)}, not a mapping; write a mapping with "models" and "episodes"`;
  }
  if (issue.code === 'invalid_type') return `field "${field}" is ${describeValue(value)}; change it to ${kindName(issue.expected)}`;
  return `field "${field}": ${issue.message}`;
}

export function parseTwinScript(obj: unknown, file = '<script>'): TwinScript {
  const result = twinScriptSchema.safeParse(obj);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new TwinScriptError(`${file}: invalid twin script`, file);
  const field = formatFieldPath(issue.path);
  throw new TwinScriptError(`${file}: ${describeIssue(issue, obj, field)}`, file, field);
}

/** Reads a script; `.json` files are parsed as JSON, anything else as YAML. */
export function loadTwinScript(file: string): TwinScript {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TwinScriptError(`${file}: cannot read the script (${code}); check the path`, file);
  }
  let obj: unknown;
  if (file.endsWith('.json')) {
    try {
      obj = JSON.parse(text);
    } catch (error) {
      throw new TwinScriptError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax`, file);
    }
  } else {
    try {
      obj = YAML.parse(text);
    } catch (error) {
      const firstLine = ((error as Error).message.split('\n')[0] ?? '').trim();
      throw new TwinScriptError(`${file}: not valid YAML (${firstLine}); fix the syntax`, file);
    }
  }
  return parseTwinScript(obj, file);
}
