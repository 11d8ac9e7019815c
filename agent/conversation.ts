// A conversation as stored in the content store, and the upper bound of its size in tokens.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ContentStore, Digest } from '../runtime/contentStore';
import { FRAMING_TOKENS_PER_MESSAGE } from '../domain/promptBounds';
import { toolDefinitions } from './tools';

export interface StoredConversation {
  messages: ChatCompletionMessageParam[];
}

export interface ConversationRef {
  conversationDigest: Digest;
  /** A true upper bound of the prompt's tokens: its UTF-8 bytes (a token is at least one byte) plus per-message framing. */
  conversationBytes: number;
}


export function promptTokensUpperBound(messages: readonly ChatCompletionMessageParam[]): number {
  const body = JSON.stringify({ messages, tools: toolDefinitions() });
  return Buffer.byteLength(body, 'utf8') + FRAMING_TOKENS_PER_MESSAGE * messages.length;
}

export function saveConversation(store: ContentStore, messages: ChatCompletionMessageParam[]): ConversationRef {
  const conversation: StoredConversation = { messages };
  return { conversationDigest: store.putJson(conversation), conversationBytes: promptTokensUpperBound(messages) };
}

export function loadConversation(store: ContentStore, digest: Digest): StoredConversation {
  return store.getJson<StoredConversation>(digest);
}
