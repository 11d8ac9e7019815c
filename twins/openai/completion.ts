// The twin's answer to one chat completion request: the request schema, episode and turn selection,
// token accounting and the response body. Pure functions, so the HTTP layer only moves bytes.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Episode, ScriptedTurn, TwinScript } from './script';

const contentSchema = z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]);

const requestToolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: contentSchema.optional(),
  tool_calls: z.array(requestToolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});

// Paths are relative to `messages`. Checks the real API makes too, so a client that would be refused by OpenAI is refused here first.
function checkConversation(messages: z.infer<typeof messageSchema>[], ctx: z.RefinementCtx): void {
  let awaiting = new Set<string>();
  let awaitingFrom = -1;
  const reportUnanswered = (path: number) =>
    ctx.addIssue({
      code: 'custom',
      path: [path],
      message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...awaiting].join(', ')}`,
    });
  messages.forEach((message, index) => {
    if (message.role !== 'tool' && awaiting.size > 0) {
      reportUnanswered(awaitingFrom);
      awaiting = new Set();
    }
    if (message.role === 'assistant') {
      if ((message.content === undefined || message.content === null) && !message.tool_calls?.length) {
        ctx.addIssue({ code: 'custom', path: [index, 'content'], message: "An assistant message needs 'content' or 'tool_calls'." });
      }
      awaiting = new Set((message.tool_calls ?? []).map((call) => call.id));
      awaitingFrom = index;
      return;
    }
    if (message.content === undefined || message.content === null) {
      ctx.addIssue({ code: 'custom', path: [index, 'content'], message: `A message with role '${message.role}' needs 'content'.` });
    }
    if (message.role === 'tool') {
      if (message.tool_call_id === undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'tool_call_id'], message: "A message with role 'tool' needs 'tool_call_id'." });
      } else if (!awaiting.delete(message.tool_call_id)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'role'],
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'.",
        });
      }
    }
  });
  if (awaiting.size > 0) reportUnanswered(awaitingFrom);
}

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1).superRefine(checkConversation),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stream: z.boolean().nullable().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
type RequestMessage = ChatCompletionRequest['messages'][number];

export const SCRIPT_EXHAUSTED_CONTENT = '(script exhausted)';
export const SYSTEM_FINGERPRINT = 'fp_openai_twin';

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function messageText(message: RequestMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

/** What `when` is matched against: the system, developer and user messages, joined by newlines. */
export function promptText(messages: readonly RequestMessage[]): string {
  return messages
    .filter((message) => message.role === 'system' || message.role === 'developer' || message.role === 'user')
    .map(messageText)
    .join('\n');
}

export function selectEpisode(script: TwinScript, messages: readonly RequestMessage[]): Episode | undefined {
  const text = promptText(messages);
  return script.episodes.find(({ when }) => {
    if (when?.contains !== undefined && !text.includes(when.contains)) return false;
    if (when?.notContains !== undefined && text.includes(when.notContains)) return false;
    return true;
  });
}

/** The turn to play: one per assistant message the client already holds. */
export function turnIndex(messages: readonly RequestMessage[]): number {
  return messages.filter((message) => message.role === 'assistant').length;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

export interface ChatCompletionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ChatCompletionToolCall[] };
      logprobs: null;
      finish_reason: 'tool_calls' | 'stop' | 'length';
    },
  ];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: 0; audio_tokens: 0 };
    completion_tokens_details: { reasoning_tokens: 0; audio_tokens: 0; accepted_prediction_tokens: 0; rejected_prediction_tokens: 0 };
  };
}

export interface CompletionInput {
  /** The request body exactly as parsed from JSON, so token counts never exceed what the client sent. */
  rawBody: { messages?: unknown; tools?: unknown };
  rawBodyBytes: number;
  request: ChatCompletionRequest;
  episode: Episode;
  completionId: string;
  createdSeconds: number;
}

/**
 * Prompt tokens are a quarter of the request's UTF-8 bytes, so a client that reserves its request's
 * byte count as input tokens is never surprised; the clamp covers JSON that re-serialises longer.
 */
export function promptTokens(rawBody: CompletionInput['rawBody'], rawBodyBytes: number): number {
  const counted = Math.ceil(utf8Bytes(JSON.stringify({ messages: rawBody.messages, tools: rawBody.tools })) / 4);
  return Math.min(counted, rawBodyBytes);
}

function toolCallId(request: ChatCompletionRequest, episode: Episode, turn: number, callIndex: number): string {
  // Derived from the request so a retried request gets the same ids, as if the model were deterministic.
  const digest = createHash('sha256')
    .update(JSON.stringify(request))
    .update(`\0${episode.name}\0${turn}\0${callIndex}`)
    .digest('hex');
  return `call_${digest.slice(0, 24)}`;
}

function scriptedTurn(episode: Episode, turn: number): ScriptedTurn {
  return episode.turns[turn] ?? { content: SCRIPT_EXHAUSTED_CONTENT };
}

export function buildCompletion(input: CompletionInput): ChatCompletionResponse {
  const { request, episode } = input;
  const turn = turnIndex(request.messages);
  const scripted = scriptedTurn(episode, turn);
  const toolCalls: ChatCompletionToolCall[] = (scripted.toolCalls ?? []).map((call, index) => ({
    id: toolCallId(request, episode, turn, index),
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));

  const content = scripted.content ?? null;
  const producedBytes =
    utf8Bytes(content ?? '') + toolCalls.reduce((sum, call) => sum + utf8Bytes(call.function.name) + utf8Bytes(call.function.arguments), 0);
  let completionTokens = Math.max(1, Math.ceil(producedBytes / 4));
  const limit = request.max_completion_tokens ?? request.max_tokens ?? undefined;

  let message: ChatCompletionResponse['choices'][0]['message'];
  let finishReason: ChatCompletionResponse['choices'][0]['finish_reason'];
  if (limit !== undefined && completionTokens > limit) {
    // Like a real model cut off mid-answer: partial text, and no tool call, since its arguments would be incomplete.
    message = { role: 'assistant', content: truncateUtf8(content ?? '', 4 * limit), refusal: null };
    finishReason = 'length';
    completionTokens = limit;
  } else if (toolCalls.length > 0) {
    message = { role: 'assistant', content, refusal: null, tool_calls: toolCalls };
    finishReason = 'tool_calls';
  } else {
    message = { role: 'assistant', content: content ?? '', refusal: null };
    finishReason = 'stop';
  }

  const prompt = promptTokens(input.rawBody, input.rawBodyBytes);
  return {
    id: input.completionId,
    object: 'chat.completion',
    created: input.createdSeconds,
    model: request.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  };
}
