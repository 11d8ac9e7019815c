// The OpenAI twin's HTTP server: OpenAI's chat completions and models endpoints answered from a script,
// plus control endpoints (/_twin/...) to inject faults and inspect what clients sent.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { childLogger, type Logger } from '../../runtime/logger';
import { buildCompletion, chatCompletionRequestSchema, selectEpisode, type ChatCompletionRequest } from './completion';
import { formatFieldPath, type TwinScript } from './script';

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_SLOW_DELAY_MS = 10 * 60 * 1000;

export const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rate_limit'), retryAfterSeconds: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('server_error') }),
  z.strictObject({ type: z.literal('slow'), delayMs: z.number().int().nonnegative().max(MAX_SLOW_DELAY_MS) }),
]);
export type Fault = z.infer<typeof faultSchema>;

const faultsBodySchema = z.strictObject({ faults: z.array(faultSchema) });

export interface RecordedRequest {
  /** ISO time the request arrived. */
  receivedAt: string;
  /** Request headers, lower-cased; the authorization header's secret is redacted. */
  headers: Record<string, string>;
  /** The request body as the client sent it, parsed. */
  body: ChatCompletionRequest;
  /** The fault this request consumed, if any. */
  fault?: Fault;
}

export interface StartOpenAITwinOptions {
  script: TwinScript;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** When set, every /v1 request must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  logger?: Logger;
}

export interface OpenAITwin {
  /** The base URL to give the SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  /** Every valid chat completion request, in arrival order. */
  requests(): RecordedRequest[];
  /** Queues faults; each is consumed by the next chat completion request, first in first out. */
  injectFaults(faults: Fault[]): void;
  close(): Promise<void>;
}

interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** A request the twin refuses; carries the status and OpenAI error body to answer with. */
class TwinHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAIErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

function invalidRequest(message: string, param: string | null = null, code: string | null = null): TwinHttpError {
  return new TwinHttpError(400, { message, type: 'invalid_request_error', param, code });
}

function modelNotFound(model: string): TwinHttpError {
  return new TwinHttpError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    param: null,
    code: 'model_not_found',
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendError(res: ServerResponse, error: TwinHttpError): void {
  sendJson(res, error.status, { error: error.body }, error.headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new TwinHttpError(413, { message: `Request body exceeds ${MAX_BODY_BYTES} bytes.`, type: 'invalid_request_error', param: null, code: null });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    );
  }
}

/** One zod issue as OpenAI words it: the message names the parameter, `param` carries its path. */
function zodToHttpError(error: z.ZodError, input: unknown): TwinHttpError {
  const issue = error.issues[0];
  if (!issue) return invalidRequest('Invalid request body.');
  const param = issue.path.length ? formatFieldPath(issue.path) : null;
  if (issue.code === 'invalid_type') {
    let value: unknown = input;
    for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (value === undefined) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
    return invalidRequest(`Invalid type for '${param}': expected ${issue.expected}.`, param, 'invalid_type');
  }
  if (issue.code === 'custom') return invalidRequest(issue.message, param, null);
  return invalidRequest(`Invalid value for '${param ?? 'body'}': ${issue.message}`, param, 'invalid_value');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}

function checkAuth(req: IncomingMessage, apiKey: string): void {
  const header = req.headers.authorization;
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  // Compare digests so the comparison takes the same time whatever the key's length.
  if (presented !== undefined && timingSafeEqual(sha256(presented), sha256(apiKey))) return;
  const message =
    presented === undefined
      ? "Incorrect API key provided: none. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : `Incorrect API key provided: ${maskKey(presented)}. Use the key the twin was started with (--api-key).`;
  throw new TwinHttpError(401, { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
}

function recordableHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Recorded requests are served over HTTP by /_twin/requests; keep the secret out of them.
  if (headers.authorization) headers.authorization = headers.authorization.replace(/^(Bearer\s+).*$/i, '$1[redacted]');
  return headers;
}

function urlHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

export async function startOpenAITwin(opts: StartOpenAITwinOptions): Promise<OpenAITwin> {
  const { script, apiKey } = opts;
  const log = (opts.logger ?? childLogger({})).child({ twin: 'openai' });
  const startedSeconds = Math.floor(Date.now() / 1000);
  const recorded: RecordedRequest[] = [];
  const pendingFaults: Fault[] = [];
  // Aborted on close so a request sleeping in a `slow` fault does not hold the server open.
  const closing = new AbortController();

  const modelObject = (id: string) => ({ id, object: 'model', created: startedSeconds, owned_by: 'openai-twin' });

  async function chatCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBody(req);
    const raw = parseJson(bytes);
    const parsed = chatCompletionRequestSchema.safeParse(raw);
    if (!parsed.success) throw zodToHttpError(parsed.error, raw);
    const request = parsed.data;
    if (request.stream) {
      throw invalidRequest('Streaming is not supported by the OpenAI twin; send the request without stream: true.', 'stream', 'unsupported_value');
    }

    const fault = pendingFaults.shift();
    recorded.push({ receivedAt: new Date().toISOString(), headers: recordableHeaders(req), body: request, ...(fault ? { fault } : {}) });
    if (fault) log.info({ fault, model: request.model }, 'injecting fault');

    if (fault?.type === 'rate_limit') {
      const seconds = fault.retryAfterSeconds;
      throw new TwinHttpError(
        429,
        {
          message: `Rate limit reached for ${request.model} in organization org-openai-twin on requests per min (RPM): Limit 1, Used 1, Requested 1. Please try again in ${seconds}s.`,
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
        { 'retry-after': String(seconds), 'retry-after-ms': String(Math.round(seconds * 1000)) },
      );
    }
    if (fault?.type === 'server_error') {
      throw new TwinHttpError(500, {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      });
    }
    if (fault?.type === 'slow') {
      try {
        await sleep(fault.delayMs, undefined, { signal: closing.signal });
      } catch {
        res.destroy();
        return;
      }
    }

    if (!script.models.includes(request.model)) throw modelNotFound(request.model);
    const episode = selectEpisode(script, request.messages);
    if (!episode) {
      throw invalidRequest(
        `No episode of the twin's script matched this request: no episode's "when" fits the system and user messages (episodes: ${script.episodes.map((e) => e.name).join(', ')}).`,
        'messages',
        'no_episode_matched',
      );
    }
    const completion = buildCompletion({
      rawBody: raw as { messages?: unknown; tools?: unknown },
      rawBodyBytes: bytes.length,
      request,
      episode,
      completionId: `chatcmpl-${randomBytes(15).toString('base64url')}`,
      createdSeconds: Math.floor(Date.now() / 1000),
    });
    const choice = completion.choices[0];
    log.info(
      { model: request.model, episode: episode.name, finishReason: choice.finish_reason, toolCalls: choice.message.tool_calls?.length ?? 0, usage: { prompt: completion.usage.prompt_tokens, completion: completion.usage.completion_tokens } },
      'chat completion',
    );
    sendJson(res, 200, completion);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://twin').pathname;

    if (path === '/v1' || path.startsWith('/v1/')) {
      if (apiKey !== undefined) checkAuth(req, apiKey);
      if (method === 'POST' && path === '/v1/chat/completions') return chatCompletion(req, res);
      if (method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: script.models.map(modelObject) });
      if (method === 'GET' && path.startsWith('/v1/models/')) {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        if (!script.models.includes(id)) throw modelNotFound(id);
        return sendJson(res, 200, modelObject(id));
      }
    }

    if (path === '/_twin/requests' && method === 'GET') return sendJson(res, 200, recorded);
    if (path === '/_twin/requests' && method === 'DELETE') {
      const cleared = recorded.splice(0).length;
      return sendJson(res, 200, { cleared });
    }
    if (path === '/_twin/faults' && method === 'POST') {
      const raw = parseJson(await readBody(req));
      const parsed = faultsBodySchema.safeParse(raw);
      if (!parsed.success) throw zodToHttpError(parsed.error, raw);
      pendingFaults.push(...parsed.data.faults);
      return sendJson(res, 200, { queued: pendingFaults.length });
    }
    if (path === '/_twin/faults' && method === 'GET') return sendJson(res, 200, { faults: pendingFaults });
    if (path === '/_twin/faults' && method === 'DELETE') {
      const cleared = pendingFaults.splice(0).length;
      return sendJson(res, 200, { cleared });
    }
    if (path === '/_twin/health' && method === 'GET') return sendJson(res, 200, { ok: true, models: script.models });

    throw new TwinHttpError(404, { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null });
  }

  const server = createServer((req, res) => {
    const startedMs = Date.now();
    const requestId = `req_${randomBytes(16).toString('hex')}`;
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      log.debug({ requestId, method: req.method, url: req.url, status: res.statusCode, durationMs: Date.now() - startedMs }, 'request');
    });
    route(req, res).catch((error: unknown) => {
      if (error instanceof TwinHttpError) {
        log.info({ requestId, method: req.method, url: req.url, status: error.status, code: error.body.code, message: error.message }, 'request refused');
        // A body left unread (e.g. after a 401) would otherwise stall the client's upload.
        req.resume();
        sendError(res, error);
        return;
      }
      log.error({ requestId, method: req.method, url: req.url, err: error }, 'twin failed to answer');
      sendError(res, new TwinHttpError(500, { message: `The OpenAI twin failed: ${String(error)}`, type: 'server_error', param: null, code: null }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address)}:${address.port}/v1`;
  log.info({ url, models: script.models, episodes: script.episodes.length, auth: apiKey !== undefined }, 'openai twin listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    requests: () => structuredClone(recorded),
    injectFaults(faults) {
      const parsed = z.array(faultSchema).safeParse(faults);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TypeError(`injectFaults: field "faults${formatFieldPath(issue?.path ?? [])}": ${issue?.message ?? 'invalid'}`);
      }
      pendingFaults.push(...parsed.data);
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).then(() => log.info({ url }, 'openai twin closed'));
      return closed;
    },
  };
}
