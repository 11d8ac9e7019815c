// The shapes of one LLM turn as they cross the workflow boundary: digests and figures only.
import type { TokenUsage } from './pricing';

/** The failure type of a turn whose earlier call was lost in flight and may have been paid. */
export const LOST_LLM_CALL = 'LostLlmCall';

export type AppendedMessage = { role: 'tool'; toolCallId: string; contentDigest: string } | { role: 'user'; contentDigest: string };

export interface LlmTurnInput {
  runId: string;
  iteration: number;
  turn: number;
  model: string;
  /** The run's endpoint; the worker's configuration when unset. */
  baseURL?: string;
  conversationDigest: string;
  append: AppendedMessage[];
  /** Clamped by the budget guard to what the reservation can pay for. */
  maxOutputTokens: number;
  /** The input bound the reservation was made for; a request over it is refused, never sent. */
  inputTokensUpperBound: number;
  /** Calls of this turn lost in flight that the workflow has already paid for; it may send again. */
  acknowledgedLostCalls?: number;
}

export interface LlmTurnResult {
  conversationDigest: string;
  conversationBytes: number;
  toolCalls: Array<{ id: string; name: string }>;
  finishReason: string;
  usage: TokenUsage;
  requestId?: string;
  /** True when the answer came from the turn record, not from a new (paid) call. */
  replayed: boolean;
}
