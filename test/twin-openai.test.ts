// The OpenAI twin driven by the real openai SDK, as the factory's activities and its users drive it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { loadTwinScript, parseTwinScript, TwinScriptError, type TwinScript } from '../twins/openai/script';
import { startOpenAITwin, type OpenAITwin } from '../twins/openai/server';

const API_KEY = 'sk-twin-test-key';

const script: TwinScript = parseTwinScript({
  models: ['gpt-4.1-mini', 'gpt-4o'],
  episodes: [
    {
      name: 'first-attempt',
      when: { contains: 'slugify', notContains: 'tests failed' },
      turns: [
        {
          toolCalls: [
            { name: 'write_file', arguments: { path: 'slugify.js', content: 'module.exports = (s) => s;' } },
            { name: 'run_command', arguments: { command: 'node slugify.js' } },
          ],
        },
        { content: 'Done: slugify.js written.' },
      ],
    },
    { name: 'retry', when: { contains: 'tests failed' }, turns: [{ content: 'Second try: fixed.' }] },
    { name: 'long', when: { contains: 'essay' }, turns: [{ content: 'é'.repeat(1000), toolCalls: [{ name: 'finish', arguments: { summary: 'x' } }] }] },
    { name: 'fallback', when: { notContains: 'nothing-matches-me' }, turns: [{ content: 'Plain text answer' }] },
  ],
});

const twins: OpenAITwin[] = [];
after(async () => {
  await Promise.all(twins.map((twin) => twin.close()));
});

async function startTwin(apiKey?: string): Promise<{ twin: OpenAITwin; client: OpenAI }> {
  const twin = await startOpenAITwin({ script, ...(apiKey ? { apiKey } : {}) });
  twins.push(twin);
  return { twin, client: new OpenAI({ baseURL: twin.url, apiKey: apiKey ?? 'any-key', maxRetries: 0 }) };
}

const tools: OpenAI.Chat.Completions.ChatCompletionFunctionTool[] = [
  { type: 'function', function: { name: 'write_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
];

test('scripted tool calls come back parsed as the SDK types them, with usage and request id', async () => {
  const { twin, client } = await startTwin(API_KEY);
  const { data: completion, request_id } = await client.chat.completions
    .create({ model: 'gpt-4.1-mini', messages: [{ role: 'system', content: 'You write slugify.' }, { role: 'user', content: 'go' }], tools })
    .withResponse();

  assert.match(request_id ?? '', /^req_[0-9a-f]+$/);
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'gpt-4.1-mini');
  const choice = completion.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const calls = choice.message.tool_calls ?? [];
  assert.equal(calls.length, 2);
  const first = calls[0]!;
  assert.equal(first.type, 'function');
  if (first.type !== 'function') return;
  assert.match(first.id, /^call_[0-9a-f]{24}$/);
  assert.equal(first.function.name, 'write_file');
  assert.deepEqual(JSON.parse(first.function.arguments), { path: 'slugify.js', content: 'module.exports = (s) => s;' });
  assert.notEqual(first.id, calls[1]!.id);

  assert.equal(twin.requests().length, 1);
  assert.equal(twin.requests()[0]!.body.model, 'gpt-4.1-mini');
  assert.equal(twin.requests()[0]!.headers.authorization, 'Bearer [redacted]');
});

test('the same request twice gets the same tool call ids, as a retry would', async () => {
  const { client } = await startTwin();
  const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'slugify please' }] });
  const [a, b] = [await ask(), await ask()];
  assert.deepEqual(
    a.choices[0]!.message.tool_calls?.map((call) => call.id),
    b.choices[0]!.message.tool_calls?.map((call) => call.id),
  );
});

test('the turn advances with each assistant message; past the end the script says it is exhausted', async () => {
  const { client } = await startTwin();
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: [{ type: 'text', text: 'write slugify' }] }];
  const first = await client.chat.completions.create({ model: 'gpt-4o', messages });
  const assistant = first.choices[0]!.message;
  messages.push({ role: 'assistant', content: assistant.content, tool_calls: assistant.tool_calls });
  for (const call of assistant.tool_calls ?? []) messages.push({ role: 'tool', tool_call_id: call.id, content: 'ok' });

  const second = await client.chat.completions.create({ model: 'gpt-4o', messages });
  assert.equal(second.choices[0]!.finish_reason, 'stop');
  assert.equal(second.choices[0]!.message.content, 'Done: slugify.js written.');
  assert.equal(second.choices[0]!.message.tool_calls, undefined);

  messages.push({ role: 'assistant', content: 'Done: slugify.js written.' }, { role: 'user', content: 'and now?' });
  const third = await client.chat.completions.create({ model: 'gpt-4o', messages });
  assert.equal(third.choices[0]!.message.content, '(script exhausted)');
  assert.equal(third.choices[0]!.finish_reason, 'stop');
});

test('the first episode whose contains/notContains match the system and user messages is chosen', async () => {
  const { client } = await startTwin();
  const answer = async (messages: ChatCompletionMessageParam[]) =>
    (await client.chat.completions.create({ model: 'gpt-4o', messages })).choices[0]!.message;

  assert.equal((await answer([{ role: 'user', content: 'write slugify' }])).tool_calls?.length, 2);
  // The first episode's notContains excludes it, so the next matching one plays.
  assert.equal((await answer([{ role: 'system', content: 'write slugify' }, { role: 'user', content: 'tests failed' }])).content, 'Second try: fixed.');
  assert.equal((await answer([{ role: 'user', content: 'hello' }])).content, 'Plain text answer');
  await assert.rejects(answer([{ role: 'user', content: 'nothing-matches-me' }]), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.match(error.message, /No episode/);
    return true;
  });
});

test('usage stays within what the client reserved: its request bytes in, max_completion_tokens out', async () => {
  const { twin, client } = await startTwin();
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'write an essay, ünïcödé 🚀' }];
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages, tools, max_completion_tokens: 5000 });
  const body = twin.requests()[0]!.body;
  const requestBytes = Buffer.byteLength(JSON.stringify(body));
  assert.ok(completion.usage!.prompt_tokens >= 1 && completion.usage!.prompt_tokens <= requestBytes);
  // 1000 two-byte characters plus the tool call: at least 500 tokens, within the limit.
  assert.ok(completion.usage!.completion_tokens >= 500 && completion.usage!.completion_tokens <= 5000);
  assert.equal(completion.usage!.total_tokens, completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
});

test('an answer longer than max_completion_tokens is cut: finish_reason length, no tool calls', async () => {
  const { client } = await startTwin();
  const completion = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'an essay please' }],
    max_completion_tokens: 10,
  });
  const choice = completion.choices[0]!;
  assert.equal(choice.finish_reason, 'length');
  assert.equal(choice.message.tool_calls, undefined);
  assert.equal(completion.usage!.completion_tokens, 10);
  assert.ok(Buffer.byteLength(choice.message.content ?? '') <= 40);
  assert.match(choice.message.content ?? '', /^é+$/);

  const legacy = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'essay' }], max_tokens: 3 });
  assert.equal(legacy.choices[0]!.finish_reason, 'length');
  assert.equal(legacy.usage!.completion_tokens, 3);
});

test('a rate_limit fault surfaces as RateLimitError with its retry-after; the next request succeeds', async () => {
  const { twin, client } = await startTwin();
  twin.injectFaults([{ type: 'rate_limit', retryAfterSeconds: 7 }]);
  const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  await assert.rejects(ask(), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.headers?.get('retry-after'), '7');
    return true;
  });
  assert.equal((await ask()).choices[0]!.message.content, 'Plain text answer');
  assert.equal(twin.requests().length, 2);
  assert.equal(twin.requests()[0]!.fault?.type, 'rate_limit');
});

test('an SDK with retries rides out a fault injected over HTTP', async () => {
  const { twin } = await startTwin();
  const response = await fetch(`${twin.url.replace(/\/v1$/, '')}/_twin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: [{ type: 'rate_limit', retryAfterSeconds: 0.01 }] }),
  });
  assert.equal(response.status, 200);
  const client = new OpenAI({ baseURL: twin.url, apiKey: 'k', maxRetries: 2 });
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(completion.choices[0]!.message.content, 'Plain text answer');
  assert.equal(twin.requests().length, 2);
});

test('a server_error fault surfaces as InternalServerError', async () => {
  const { twin, client } = await startTwin();
  twin.injectFaults([{ type: 'server_error' }]);
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    OpenAI.InternalServerError,
  );
});

test('a slow fault delays the answer, which is otherwise normal', async () => {
  const { twin, client } = await startTwin();
  twin.injectFaults([{ type: 'slow', delayMs: 300 }]);
  const startedMs = Date.now();
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(Date.now() - startedMs >= 290, 'answered before the delay');
  assert.equal(completion.choices[0]!.message.content, 'Plain text answer');
});

test('a wrong API key is refused with AuthenticationError, on chat and models alike', async () => {
  const { twin } = await startTwin(API_KEY);
  const wrong = new OpenAI({ baseURL: twin.url, apiKey: 'sk-wrong-key-123456', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.code, 'invalid_api_key');
    assert.match(error.message, /Incorrect API key provided/);
    assert.doesNotMatch(error.message, /sk-wrong-key-123456/);
    return true;
  });
  await assert.rejects(wrong.models.list(), OpenAI.AuthenticationError);
  assert.equal(twin.requests().length, 0);
});

test('an unknown model is NotFoundError with code model_not_found', async () => {
  const { client } = await startTwin();
  await assert.rejects(client.chat.completions.create({ model: 'gpt-5-imaginary', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.code, 'model_not_found');
    return true;
  });
  await assert.rejects(client.models.retrieve('gpt-5-imaginary'), OpenAI.NotFoundError);
});

test('models.list and models.retrieve serve the script models', async () => {
  const { client } = await startTwin(API_KEY);
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['gpt-4.1-mini', 'gpt-4o']);
  const model = await client.models.retrieve('gpt-4o');
  assert.equal(model.owned_by, 'openai-twin');
});

test('requests the real API would refuse are refused with BadRequestError naming the parameter', async () => {
  const { twin, client } = await startTwin();
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.match(error.message, /[Ss]treaming is not supported/);
    return true;
  });
  await assert.rejects(
    client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
    }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /call_1/);
      assert.equal(error.param, 'messages[1]');
      return true;
    },
  );
  const raw = await fetch(`${twin.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o' }) });
  assert.equal(raw.status, 400);
  assert.deepEqual(await raw.json(), {
    error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' },
  });
});

test('control endpoints list and clear recorded requests; unknown routes are 404 in OpenAI shape', async () => {
  const { twin, client } = await startTwin();
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const base = twin.url.replace(/\/v1$/, '');
  const listed = (await (await fetch(`${base}/_twin/requests`)).json()) as { body: { messages: unknown[] } }[];
  assert.equal(listed.length, 1);
  assert.deepEqual(listed[0]!.body.messages, [{ role: 'user', content: 'hi' }]);
  assert.equal((await fetch(`${base}/_twin/requests`, { method: 'DELETE' })).status, 200);
  assert.equal(twin.requests().length, 0);

  const badFault = await fetch(`${base}/_twin/faults`, { method: 'POST', body: JSON.stringify({ faults: [{ type: 'meteor' }] }) });
  assert.equal(badFault.status, 400);

  const missing = await fetch(`${twin.url}/embeddings`, { method: 'POST', body: '{}' });
  assert.equal(missing.status, 404);
  const body = (await missing.json()) as { error: { message: string; type: string } };
  assert.equal(body.error.message, 'Invalid URL (POST /v1/embeddings)');
  assert.equal(body.error.type, 'invalid_request_error');
});

test('a malformed script fails with one line naming the file and the field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'twin-script-'));
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'models: [gpt-4o]\nepisodes:\n  - name: one\n    turns:\n      - tool_calls: []\n');
  assert.throws(
    () => loadTwinScript(file),
    (error: unknown) => {
      assert.ok(error instanceof TwinScriptError);
      assert.equal(error.message.split('\n').length, 1);
      assert.ok(error.message.startsWith(`${file}: `), error.message);
      assert.match(error.message, /episodes\[0\]\.turns\[0\]/);
      assert.match(error.message, /tool_calls/);
      return true;
    },
  );

  writeFileSync(file, 'models: [gpt-4o]\nepisodes:\n  - name: one\n    turns:\n      - toolCalls: [{ name: write_file }]\n');
  assert.throws(() => loadTwinScript(file), /field "episodes\[0\]\.turns\[0\]\.toolCalls\[0\]\.arguments" is missing/);

  writeFileSync(file, 'models: [gpt-4o\n');
  assert.throws(() => loadTwinScript(file), /not valid YAML/);
});

test('the command line serves a script and refuses bad arguments with exit code 2', async () => {
  const mainFile = path.join(__dirname, '..', 'twins', 'openai', 'main.ts');
  const exampleFile = path.join(__dirname, '..', 'twins', 'openai', 'scripts', 'example.yaml');
  const run = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', mainFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

  const bad = run(['--script', exampleFile, '--port', 'eighty']);
  let stderr = '';
  bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => bad.on('exit', (exitCode) => resolve(exitCode)));
  assert.equal(code, 2);
  assert.equal(stderr.trim().split('\n').length, 1);
  assert.match(stderr, /--port must be an integer/);

  const good = run(['--script', exampleFile, '--api-key', API_KEY]);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      good.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      good.on('exit', (exitCode) => reject(new Error(`twin exited with ${exitCode}`)));
    });
    const match = /^openai twin listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/.exec(line);
    assert.ok(match, line);
    const client = new OpenAI({ baseURL: match[1], apiKey: API_KEY, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'write slugify' }] });
    assert.equal(completion.choices[0]!.message.tool_calls?.[0]?.type, 'function');
  } finally {
    const exited = new Promise((resolve) => good.on('exit', resolve));
    good.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
