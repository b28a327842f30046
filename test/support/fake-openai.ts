import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server that speaks enough of the OpenAI API for the real `openai` client:
 * `/v1/chat/completions` (plain, and SSE streams ending `data: [DONE]` with a usage chunk only
 * when `stream_options.include_usage`), `/v1/embeddings` (base64 little-endian float32 when
 * `encoding_format: 'base64'`, which the client asks by default), `/v1/moderations` and
 * `/v1/models`. Tests script what the next requests get (429 with retry-after, 500, a hang, a
 * malformed body, given content, slow token-by-token streams) and read every request it received.
 *
 * @example
 * const fake = await startFakeOpenAi();
 * fake.script('/chat/completions', { status: 429, retryAfter: 1 }, { content: 'hello' });
 * const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
 * …
 * expect(fake.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
 * await fake.close();
 */

/** What one scripted request gets. Omitted fields get the server's defaults. */
export type FakeReply =
  /** An error answer in OpenAI's shape, with an optional `retry-after` header (seconds). */
  | { status: number; message?: string; retryAfter?: number; retryAfterMs?: number }
  /** Never answers (until the client gives up, or the server closes). */
  | { hang: true }
  /** A 200 whose body is this text as is (for example broken JSON). */
  | { raw: string }
  /** A chat answer with this content (streamed token by token when the request streams). */
  | {
      content?: string;
      /** Stream: these chunks instead of splitting `content` into words. */
      chunks?: string[];
      /** Stream: pause between chunks (a slow model). */
      delayMs?: number;
      finishReason?: 'stop' | 'length' | 'content_filter';
      usage?: { prompt_tokens: number; completion_tokens: number };
    };

/** A request the server received, as parsed. */
export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  at: number;
}

export interface FakeOpenAi {
  /** The base URL the client takes (`http://127.0.0.1:<port>/v1`). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Requests to one route (`'/chat/completions'`). */
  requestsTo(route: string): FakeRequest[];
  /** Queues replies for the next requests to `route` (`'/chat/completions'`, `'/embeddings'`…). */
  script(route: string, ...replies: FakeReply[]): void;
  /** Every later request to `route` gets this (until `reset()`), after the queued ones. */
  always(route: string, reply: FakeReply): void;
  /** Default pause between streamed chunks (0). */
  streamDelayMs: number;
  /** Forgets scripts and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOpenAiOptions {
  /** Dimensions of the fake embeddings (default 8). */
  dimensions?: number;
  /** Fixed port (default: a free one). */
  port?: number;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const dimensions = options.dimensions ?? 8;
  const requests: FakeRequest[] = [];
  const queues = new Map<string, FakeReply[]>();
  const standing = new Map<string, FakeReply>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let completionId = 0;

  const nextReply = (route: string): FakeReply | undefined =>
    queues.get(route)?.shift() ?? standing.get(route);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const path = (req.url ?? '/').split('?')[0];
      requests.push({
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const route = path.replace(/^\/v1/, '');
      void handle(route, body as Record<string, unknown>, res).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(route: string, body: Record<string, unknown>, res: ServerResponse) {
    const reply = nextReply(route);
    if (reply && 'hang' in reply) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (reply && 'status' in reply) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
      if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
      res.writeHead(reply.status, headers);
      res.end(
        JSON.stringify({
          error: {
            message: reply.message ?? `fake error ${reply.status}`,
            type: reply.status === 429 ? 'rate_limit_exceeded' : 'server_error',
            code: null,
          },
        }),
      );
      return;
    }
    if (reply && 'raw' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply.raw);
      return;
    }
    switch (route) {
      case '/chat/completions':
        return chat(body, reply ?? {}, res);
      case '/embeddings':
        return embeddings(body, res);
      case '/moderations':
        return moderations(body, res);
      case '/models':
        return sendJson(res, {
          object: 'list',
          data: ['fake-chat', 'fake-embed'].map((id) => ({
            id,
            object: 'model',
            owned_by: 'fake',
          })),
        });
      default:
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${route}`, type: 'not_found' } }));
    }
  }

  async function chat(
    body: Record<string, unknown>,
    reply: Extract<FakeReply, { content?: string }>,
    res: ServerResponse,
  ) {
    const messages = (body.messages ?? []) as { role: string; content: string }[];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const content = reply.content ?? `Echo: ${lastUser}`;
    const promptTokens =
      reply.usage?.prompt_tokens ?? Math.ceil(messages.map((m) => m.content).join(' ').length / 4);
    const completionTokens = reply.usage?.completion_tokens ?? Math.ceil(content.length / 4);
    const id = `chatcmpl-fake-${++completionId}`;
    const model = String(body.model ?? 'fake-chat');
    const created = Math.floor(Date.now() / 1000);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const finishReason = reply.finishReason ?? 'stop';
    if (!body.stream) {
      return sendJson(res, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            finish_reason: finishReason,
            logprobs: null,
          },
        ],
        usage,
      });
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
    const pieces = reply.chunks ?? content.match(/\S+\s*|\s+/g) ?? [];
    const delay = reply.delayMs ?? fake.streamDelayMs;
    let closed = false;
    res.on('close', () => (closed = true));
    chunk({ role: 'assistant', content: '' }, null);
    for (const piece of pieces) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (closed) return;
      chunk({ content: piece }, null);
    }
    chunk({}, finishReason);
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage)
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  function embeddings(body: Record<string, unknown>, res: ServerResponse) {
    const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((input, index) => {
      const vector = fakeEmbedding(String(input), dimensions);
      return {
        object: 'embedding',
        index,
        embedding: base64
          ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
          : vector,
      };
    });
    const tokens = inputs.reduce((sum, input) => sum + Math.ceil(String(input).length / 4), 0);
    sendJson(res, {
      object: 'list',
      data,
      model: String(body.model ?? 'fake-embed'),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function moderations(body: Record<string, unknown>, res: ServerResponse) {
    const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
    sendJson(res, {
      id: `modr-fake-${++completionId}`,
      model: String(body.model ?? 'omni-moderation-latest'),
      results: inputs.map((input) => {
        // "hate" and "kill" are the fake's only bad words: enough to tell flagged from clean.
        const hate = /\bhate\b/i.test(input) ? 0.93 : 0.01;
        const violence = /\bkill\b/i.test(input) ? 0.88 : 0.02;
        return {
          flagged: hate > 0.5 || violence > 0.5,
          categories: { hate: hate > 0.5, violence: violence > 0.5 },
          category_scores: { hate, violence },
        };
      }),
    });
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port),
    );
  });

  const fake: FakeOpenAi = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    streamDelayMs: 0,
    requestsTo: (route) => requests.filter((r) => r.path === `/v1${route}`),
    script: (route, ...replies) => queues.set(route, [...(queues.get(route) ?? []), ...replies]),
    always: (route, reply) => standing.set(route, reply),
    reset: () => {
      queues.clear();
      standing.clear();
      requests.length = 0;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * A deterministic unit vector from the text's words (hashed into the dimensions), so that texts
 * sharing words are closer than texts that share none.
 */
export function fakeEmbedding(text: string, dimensions = 8): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const hash = createHash('sha1').update(word).digest();
    vector[hash[0] % dimensions] += 1;
    vector[hash[1] % dimensions] += 0.5;
  }
  const norm = Math.hypot(...vector) || 1;
  // Float32 precision, as the base64 path carries it.
  return vector.map((value) => Math.fround(value / norm));
}
