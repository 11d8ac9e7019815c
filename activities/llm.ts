// One LLM turn of the implementer: load the conversation, call the model with the tools, store
// the answer. The response is recorded under its run, turn and request before returning, so a
// retried activity (after a worker crash, say) replays it instead of paying for it again.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { loadConversation, promptTokensUpperBound, saveConversation } from '../agent/conversation';
import { toolDefinitions } from '../agent/tools';
import { LOST_LLM_CALL, type LlmTurnInput, type LlmTurnResult } from '../domain/llmTurn';
import { runLogger, type ActivityDeps } from './deps';
import { finalFailure, retryableFailure } from './errors';
import { whileHeartbeating } from './heartbeat';

export interface LlmClientConfig {
  baseURL?: string;
  apiKey?: string;
}

const REQUEST_TIMEOUT_MS = 10 * 60 * 1000;

export function llmActivities(deps: ActivityDeps, config: LlmClientConfig = {}) {
  const clients = new Map<string, OpenAI>();
  const openai = (runBaseURL: string | undefined): OpenAI => {
    const baseURL = runBaseURL ?? config.baseURL ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
    let client = clients.get(baseURL);
    if (!client) {
      // Retries belong to Temporal (visible in history, honouring retry-after), not to the SDK.
      client = new OpenAI({
        baseURL,
        apiKey: config.apiKey ?? process.env.OPENAI_API_KEY ?? 'no-key-configured',
        maxRetries: 0,
        timeout: REQUEST_TIMEOUT_MS,
      });
      clients.set(baseURL, client);
    }
    return client;
  };

  return {
    async llmTurn(input: LlmTurnInput): Promise<LlmTurnResult> {
      // Keyed by run, turn and the exact request, so a retry finds it and nothing else does.
      const requestHash = createHash('sha256')
        .update(JSON.stringify([input.model, input.baseURL ?? '', input.conversationDigest, input.append, input.maxOutputTokens]))
        .digest('hex')
        .slice(0, 24);
      const recordKey = `turns/${input.runId}/${input.iteration}-${input.turn}-${requestHash}`;
      const recorded = deps.store.getRecord<LlmTurnResult>(recordKey);
      if (recorded) return { ...recorded, replayed: true };

      const { messages } = loadConversation(deps.store, input.conversationDigest);
      for (const m of input.append) {
        const content = deps.store.getText(m.contentDigest);
        messages.push(m.role === 'tool' ? { role: 'tool', tool_call_id: m.toolCallId, content } : { role: 'user', content });
      }
      const bound = promptTokensUpperBound(messages);
      if (bound > input.inputTokensUpperBound) {
        throw finalFailure(`prompt bound ${bound} exceeds the reserved ${input.inputTokensUpperBound} tokens`, 'ReservationTooSmall');
      }

      // Mark the call as sent before sending: if this worker dies mid-request, the retry must not
      // send again silently, because the lost call may have been paid. The workflow settles it at
      // its worst case first and then acknowledges it.
      // Per turn, not per request: a resend after a lost call may carry a different output limit.
      const sentKey = `turns/${input.runId}/${input.iteration}-${input.turn}.sent`;
      const sent = deps.store.getRecord<{ count: number }>(sentKey)?.count ?? 0;
      if (sent > (input.acknowledgedLostCalls ?? 0)) {
        throw ApplicationFailure.nonRetryable(`an earlier call of turn ${input.turn} was lost in flight and may have been paid`, LOST_LLM_CALL, sent);
      }
      deps.store.putRecord(sentKey, { count: sent + 1 });
      const client = openai(input.baseURL);
      let completion;
      try {
        completion = await whileHeartbeating((signal) => callModel(client, input, messages, signal));
      } catch (err) {
        // An error answer (or a refused connection) means no completion was produced: nothing was lost.
        if (err instanceof OpenAI.APIError && (err.status !== undefined || refusedConnection(err))) {
          deps.store.putRecord(sentKey, { count: sent });
        }
        throw classifyModelError(err, input.model, client.baseURL);
      }
      const choice = completion.data.choices[0];
      if (!choice) throw retryableFailure('the model returned no choices', 'EmptyCompletion');
      // A cut-off answer's tool calls have truncated arguments: none of them may run.
      const cutOff = choice.finish_reason === 'length';
      const toolCalls = cutOff ? [] : (choice.message.tool_calls ?? []).filter((c) => c.type === 'function');
      const assistant: ChatCompletionMessageParam = {
        role: 'assistant',
        content: choice.message.content ?? null,
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      };
      const next = [...messages, assistant];
      if (cutOff) {
        // Say so, or the model would try the same again.
        next.push({ role: 'user', content: truncationNotice(input.maxOutputTokens) });
      }
      const saved = saveConversation(deps.store, next);
      const usage = completion.data.usage;
      const result: LlmTurnResult = {
        ...saved,
        toolCalls: toolCalls.map((c) => ({ id: c.id, name: c.function.name })),
        finishReason: choice.finish_reason,
        usage: {
          inputTokens: usage?.prompt_tokens ?? 0,
          cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
          outputTokens: usage?.completion_tokens ?? 0,
        },
        requestId: completion.request_id ?? undefined,
        replayed: false,
      };
      if (!usage) {
        // Without usage we cannot settle honestly: charge the whole reservation's worth.
        result.usage = { inputTokens: input.inputTokensUpperBound, cachedInputTokens: 0, outputTokens: input.maxOutputTokens };
      }
      deps.store.putRecord(recordKey, result);
      runLogger(deps, input.runId, input.iteration, 'implement').info({ turn: input.turn, usage: result.usage, requestId: result.requestId }, 'llm turn');
      return result;
    },
  };
}

export function truncationNotice(maxOutputTokens: number): string {
  return (
    `Your last answer was cut off at the limit of ${maxOutputTokens} output tokens, so none of its tool calls ran. ` +
    'Take smaller steps: write large files in several parts, one tool call at a time.'
  );
}

function callModel(client: OpenAI, input: LlmTurnInput, messages: ChatCompletionMessageParam[], signal?: AbortSignal) {
  return client.chat.completions
    .create(
      {
        model: input.model,
        messages,
        tools: toolDefinitions(),
        tool_choice: 'auto',
        max_completion_tokens: input.maxOutputTokens,
      },
      { signal },
    )
    .withResponse();
}

function refusedConnection(err: Error): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/** Maps the SDK's errors to final or retryable failures, each with one line saying what to do. */
export function classifyModelError(err: unknown, model: string, baseURL: string): Error {
  if (err instanceof OpenAI.AuthenticationError) {
    return finalFailure(`the model endpoint ${baseURL} refused the API key (401): set OPENAI_API_KEY to a valid key`, 'InvalidApiKey');
  }
  if (err instanceof OpenAI.PermissionDeniedError) {
    return finalFailure(`the API key may not use model "${model}" (403): use a key with access or another model`, 'PermissionDenied');
  }
  if (err instanceof OpenAI.NotFoundError) {
    return finalFailure(`model "${model}" is not served at ${baseURL} (404): pass --model with a model the endpoint serves`, 'UnknownModel');
  }
  if (err instanceof OpenAI.RateLimitError) {
    return retryableFailure(`rate limited by ${baseURL} (429)`, 'RateLimited', retryAfterMs(err.headers));
  }
  if (err instanceof OpenAI.BadRequestError || err instanceof OpenAI.UnprocessableEntityError) {
    return finalFailure(`the model endpoint rejected the request (${err.status}): ${err.message}`, 'BadRequest');
  }
  if (err instanceof OpenAI.APIError) return retryableFailure(`model endpoint error: ${err.message}`, 'ModelServerError');
  return err instanceof Error ? err : new Error(String(err));
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const seconds = headers?.get('retry-after');
  if (seconds && Number.isFinite(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}
