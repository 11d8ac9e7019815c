// The LLM turn activity against the OpenAI twin through the real SDK: a retried turn never pays twice,
// and the prompt it sends never exceeds the bound its reservation was made for.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { activityDeps } from '../activities/deps';
import { llmActivities } from '../activities/llm';
import { saveConversation } from '../agent/conversation';
import { parseTwinScript } from '../twins/openai/script';
import { startOpenAITwin } from '../twins/openai/server';

const script = parseTwinScript({
  models: ['gpt-4.1-mini'],
  episodes: [{ name: 'one', turns: [{ toolCalls: [{ name: 'list_files', arguments: { path: '.' } }] }] }],
});

async function setUp() {
  const deps = activityDeps(fs.mkdtempSync(path.join(os.tmpdir(), 'llm-turn-')));
  const twin = await startOpenAITwin({ script, apiKey: 'k' });
  const conversation = saveConversation(deps.store, [{ role: 'user', content: 'Write hello.js' }]);
  const input = {
    runId: 'run-1',
    iteration: 1,
    turn: 1,
    model: 'gpt-4.1-mini',
    baseURL: twin.url,
    conversationDigest: conversation.conversationDigest,
    append: [],
    maxOutputTokens: 512,
    inputTokensUpperBound: conversation.conversationBytes,
  };
  return { deps, twin, input, llm: llmActivities(deps, { apiKey: 'k' }) };
}

test('a retried turn is answered from its record and never pays twice', async () => {
  const { twin, input, llm } = await setUp();
  try {
    const first = await llm.llmTurn(input);
    assert.equal(first.replayed, false);
    assert.deepEqual(first.toolCalls.map((c) => c.name), ['list_files']);
    assert.ok(first.usage.inputTokens > 0 && first.usage.inputTokens <= input.inputTokensUpperBound);
    assert.ok(first.usage.outputTokens <= input.maxOutputTokens);
    assert.equal(twin.requests()[0]!.body.max_completion_tokens, 512);

    const retried = await llm.llmTurn(input);
    assert.equal(retried.replayed, true);
    assert.equal(retried.conversationDigest, first.conversationDigest);
    assert.equal(twin.requests().length, 1, 'the retry called the model again');
  } finally {
    await twin.close();
  }
});

test('a prompt larger than its reservation is refused before it is sent', async () => {
  const { twin, input, llm } = await setUp();
  try {
    await assert.rejects(llm.llmTurn({ ...input, inputTokensUpperBound: 10 }), /exceeds the reserved 10 tokens/);
    assert.equal(twin.requests().length, 0);
  } finally {
    await twin.close();
  }
});

test('an answer cut off at the output limit runs no tool and tells the model why', async () => {
  const { deps, twin, input, llm } = await setUp();
  try {
    const turn = await llm.llmTurn({ ...input, maxOutputTokens: 2 });
    assert.equal(turn.finishReason, 'length');
    assert.deepEqual(turn.toolCalls, []);
    assert.ok(turn.usage.outputTokens <= 2);
    const { messages } = deps.store.getJson<{ messages: Array<{ role: string; content: unknown }> }>(turn.conversationDigest);
    assert.equal(messages.at(-1)!.role, 'user');
    assert.match(String(messages.at(-1)!.content), /cut off at the limit of 2 output tokens/);
  } finally {
    await twin.close();
  }
});

test('a call lost in flight is not sent again until the workflow has paid for it', async () => {
  const { deps, twin, input, llm } = await setUp();
  try {
    // What a worker that died mid-request leaves behind: the call marked sent, no recorded answer.
    const first = await llm.llmTurn(input);
    const records = path.join(deps.paths.store, 'records', 'turns', 'run-1');
    const answers = fs.readdirSync(records).filter((f) => !f.endsWith('.sent.json'));
    assert.equal(answers.length, 1);
    fs.rmSync(path.join(records, answers[0]!));
    await assert.rejects(llm.llmTurn(input), (e: Error & { type?: string }) => e.type === 'LostLlmCall');
    assert.equal(twin.requests().length, 1);
    const again = await llm.llmTurn({ ...input, acknowledgedLostCalls: 1 });
    assert.equal(again.replayed, false);
    assert.equal(twin.requests().length, 2);
    assert.deepEqual(again.toolCalls.map((c) => c.name), first.toolCalls.map((c) => c.name));
  } finally {
    await twin.close();
  }
});

test('an error answer from the endpoint leaves nothing lost: the retry just sends again', async () => {
  const { twin, input, llm } = await setUp();
  try {
    twin.injectFaults([{ type: 'server_error' }]);
    await assert.rejects(llm.llmTurn(input), (e: Error & { type?: string }) => e.type === 'ModelServerError');
    const retried = await llm.llmTurn(input);
    assert.equal(retried.replayed, false);
    assert.equal(twin.requests().length, 2);
  } finally {
    await twin.close();
  }
});
