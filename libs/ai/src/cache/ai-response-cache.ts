import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { LatticeCache } from '@lattice/cache';
import { AI_MODULE_OPTIONS } from '../ai.constants';
import type {
  AiCall,
  AiModuleOptions,
  AiStreamChunk,
  AIResponse,
  AiTextResponse,
} from '../ai.interfaces';
import { embeddingKey, modelOf, responseKey } from './ai-cache.keys';
import { AiCacheMessages } from './ai-cache.messages';
import { cacheStoreToken, namedCacheStore } from './ai-cache.store';
import { replayStream } from './replay-stream';

/** A stream as the cache keeps it: its chunks (with their timing) and the final response. */
export interface RecordedStream {
  chunks: AiStreamChunk[];
  response: AiTextResponse;
}

/** Records a stream while the caller reads it; stored when it finishes (never when cancelled). */
export interface StreamRecorder {
  chunk(chunk: AiStreamChunk): void;
  /** Stores the recording, unless the stream was cancelled (`finishReason` or the call's signal). */
  finish(response: AiTextResponse): Promise<void>;
  /** Drops the recording (the stream failed); nothing is stored. */
  abandon(): void;
}

/** Whether the response cache is on, where, and why not when it is off (for the boot report). */
export interface AiCacheStatus {
  enabled: boolean;
  store?: string;
  driver?: 'memory' | 'redis';
  /** The module's TTL in ms; undefined means the store's own. */
  ttl?: number;
  replayTiming?: boolean;
  /** Why it is off. */
  reason?: string;
}

/** The part of a response the cache keeps: what the caller would see, minus this call's own facts. */
type Stored<R extends AIResponse> = Omit<R, 'cached' | 'latencyMs' | 'fallbacks' | 'flags'>;

/** Answers that are not the model's full answer to the request, so not kept. */
const UNCACHED_FINISH = new Set(['cancelled', 'content_filter', 'other']);

/**
 * Identical requests (model, messages, parameters, normalized) answered from @lattice/cache;
 * streams recorded and replayed; embeddings by text hash. On when CacheModule is imported
 * (`cache: false` in the AiModule options turns it off; `cache: false` on a call skips it).
 * A cache failure never fails a call: the store serves misses and skips writes while it is down.
 *
 * @example
 * AiModule.forRoot({ cache: { ttl: 3_600_000 } }) // with CacheModule.forRoot() imported
 * await ai.generate({ prompt: 'Hello', cache: false }); // this call is neither read nor written
 */
@Injectable()
export class AiResponseCache implements OnModuleInit {
  private readonly logger = new Logger('AI');
  private cache: LatticeCache | undefined;
  private current: AiCacheStatus | undefined;
  private warnedTooLarge = false;

  constructor(
    @Optional() @Inject(AI_MODULE_OPTIONS) private readonly options: AiModuleOptions = {},
    private readonly moduleRef: ModuleRef,
    // CacheModule's default store, when the app imports CacheModule (global by default).
    @Optional() @Inject(cacheStoreToken()) private readonly defaultStore?: LatticeCache,
  ) {}

  /** Finds the store at boot, and fails the boot when `cache: { … }` is set without CacheModule. */
  onModuleInit(): void {
    this.logger.log(this.describe());
  }

  /** Whether the cache is on, on which store and driver, or why it is off. */
  status(): AiCacheStatus {
    if (this.current) return this.current;
    const setting = this.options.cache;
    if (setting === false)
      return (this.current = { enabled: false, reason: 'turned off (`cache: false`)' });
    if (!this.defaultStore) {
      if (setting) throw AiCacheMessages.cacheModuleMissing();
      return (this.current = {
        enabled: false,
        reason: 'CacheModule is not imported (import CacheModule.forRoot() to cache responses)',
      });
    }
    const name = setting?.store ?? 'default';
    this.cache = this.cacheStore()!;
    return (this.current = {
      enabled: true,
      store: name,
      driver: this.cache.settings.redis ? 'redis' : 'memory',
      ttl: setting?.ttl,
      replayTiming: setting?.replayTiming ?? false,
    });
  }

  /**
   * The CacheModule store the AI uses (`cache.store`, else `default`), also when response
   * caching is off (budgets count on it); undefined without CacheModule.
   */
  cacheStore(): LatticeCache | undefined {
    if (!this.defaultStore) return undefined;
    const name = (this.options.cache && this.options.cache.store) || 'default';
    return name === 'default' ? this.defaultStore : namedCacheStore(this.moduleRef, name);
  }

  /** One line for the boot report: `cache    redis   store "default", ttl 60 s` or why it is off. */
  describe(): string {
    const status = this.status();
    if (!status.enabled) return `response cache off: ${status.reason}`;
    const ttl = status.ttl === undefined ? "the store's ttl" : `ttl ${status.ttl / 1000} s`;
    return `response cache on store "${status.store}" (${status.driver}), ${ttl}${status.replayTiming ? ', streams replayed at their recorded pace' : ''}`;
  }

  /**
   * A stored response for the call, or undefined (also when the call opted out, and for
   * embeddings, which go through `embedCached`). A hit says `cached: true`, costs 0, takes the
   * lookup's time as its latency and names the provider that first answered.
   */
  async lookup(call: AiCall): Promise<AIResponse | undefined> {
    const cache = this.storeFor(call);
    if (!cache || call.operation === 'embed') return undefined;
    const started = performance.now();
    const stored = await cache.get<Stored<AIResponse>>(responseKey(call));
    if (!stored) return undefined;
    return asHit(stored, performance.now() - started);
  }

  /** Keeps an answered call's response (not a cache hit, a cancelled or filtered answer). */
  async store(call: AiCall, response: AIResponse): Promise<void> {
    const cache = this.storeFor(call);
    if (!cache || call.operation === 'embed' || !isComplete(response)) return;
    await this.save(cache, call, responseKey(call), strip(response));
  }

  /** A recorded stream for the call: its chunks as they came, and the final response as a hit. */
  async lookupStream(call: AiCall): Promise<RecordedStream | undefined> {
    const cache = this.storeFor(call);
    if (!cache) return undefined;
    const started = performance.now();
    const stored = await cache.get<{ chunks: AiStreamChunk[]; response: Stored<AiTextResponse> }>(
      responseKey(call),
    );
    if (!stored) return undefined;
    return { chunks: stored.chunks, response: asHit(stored.response, performance.now() - started) };
  }

  /**
   * A recorder for a stream the caller is reading: give it each chunk, then `finish(response)`
   * when the stream ends (stored unless cancelled), or `abandon()` when it fails. Undefined when
   * the cache is off or the call opted out.
   */
  recordStream(call: AiCall): StreamRecorder | undefined {
    const cache = this.storeFor(call);
    if (!cache) return undefined;
    const key = responseKey(call);
    let chunks: AiStreamChunk[] = [];
    let open = true;
    return {
      chunk: (chunk) => {
        if (open) chunks.push({ text: chunk.text, index: chunk.index, at: chunk.at });
      },
      finish: async (response) => {
        if (!open) return;
        open = false;
        if (call.signal.aborted || !isComplete(response)) return;
        await this.save(cache, call, key, { chunks, response: strip(response) });
      },
      abandon: () => {
        open = false;
        chunks = [];
      },
    };
  }

  /** Whether a call's cached stream replays at its recorded pace (the call's `cache`, else the module's). */
  replayTiming(call: AiCall): boolean {
    const own = call.request.cache;
    if (typeof own === 'object' && own.replayTiming !== undefined) return own.replayTiming;
    return this.options.cache ? (this.options.cache.replayTiming ?? false) : false;
  }

  /** The chunks of a recorded stream, at once or at their recorded pace as the call asks. */
  replay(
    call: AiCall,
    recorded: RecordedStream,
    signal?: AbortSignal,
  ): AsyncGenerator<AiStreamChunk> {
    return replayStream(recorded, {
      timing: this.replayTiming(call),
      signal: signal ?? call.signal,
    });
  }

  /**
   * Embeddings per text, from the cache where present: `compute` gets only the texts not cached
   * (each once), and their vectors are stored by hash of the model and the text. Returns one
   * vector per input, in input order, and how many came from the cache.
   *
   * @example
   * const { embeddings, hits } = await cache.embedCached(call, texts, (missing) =>
   *   provider.embed({ model, input: missing }, signal).then((r) => r.embeddings));
   */
  async embedCached(
    call: AiCall,
    inputs: string[],
    compute: (missing: string[]) => Promise<number[][]>,
  ): Promise<{ embeddings: number[][]; hits: number }> {
    const cache = this.storeFor(call);
    if (!cache) return { embeddings: await compute(inputs), hits: 0 };
    const model = modelOf(call);
    const found = await Promise.all(
      inputs.map((text) => cache.get<string>(embeddingKey(model, text))),
    );
    const vectors = new Map<string, number[]>();
    found.forEach((encoded, i) => {
      if (encoded !== undefined) vectors.set(inputs[i], decodeVector(encoded));
    });
    const missing = [...new Set(inputs.filter((text) => !vectors.has(text)))];
    if (missing.length > 0) {
      const computed = await compute(missing);
      if (computed.length !== missing.length)
        throw new Error(
          `embedCached: compute() returned ${computed.length} vectors for ${missing.length} texts.`,
        );
      missing.forEach((text, i) => vectors.set(text, computed[i]));
      await Promise.all(
        missing.map((text, i) =>
          this.save(cache, call, embeddingKey(model, text), encodeVector(computed[i])),
        ),
      );
    }
    return {
      embeddings: inputs.map((text) => vectors.get(text)!),
      hits: found.filter((encoded) => encoded !== undefined).length,
    };
  }

  /** The store for this call, or undefined when the cache is off or the call opted out. */
  private storeFor(call: AiCall): LatticeCache | undefined {
    if (call.request.cache === false || !this.status().enabled) return undefined;
    return this.cache;
  }

  private ttlFor(call: AiCall): number | undefined {
    const own = call.request.cache;
    if (typeof own === 'object' && own.ttl !== undefined) return own.ttl;
    return this.options.cache ? this.options.cache.ttl : undefined;
  }

  /** Writes an entry; a value over the store's size limit is skipped (logged once), never thrown. */
  private async save(
    cache: LatticeCache,
    call: AiCall,
    key: string,
    value: unknown,
  ): Promise<void> {
    try {
      await cache.set(key, value, this.ttlFor(call));
    } catch (error) {
      if (!this.warnedTooLarge) {
        this.warnedTooLarge = true;
        this.logger.warn(
          `An AI response was not cached: ${error instanceof Error ? error.message : String(error)} (logged once).`,
        );
      }
    }
  }
}

function isComplete(response: AIResponse): boolean {
  if (response.cached) return false;
  const finish = (response as Partial<AiTextResponse>).finishReason;
  return finish === undefined || !UNCACHED_FINISH.has(finish);
}

function strip<R extends AIResponse>(response: R): Stored<R> {
  const { cached: _c, latencyMs: _l, fallbacks: _f, flags: _g, ...kept } = response;
  return kept;
}

function asHit<R extends AIResponse>(stored: Stored<R>, latencyMs: number): R {
  return { ...stored, cached: true, cost: 0, latencyMs, fallbacks: [], flags: [] } as unknown as R;
}

/** A vector as base64 float64: exact, and about half its JSON size. */
function encodeVector(vector: number[]): string {
  return Buffer.from(Float64Array.from(vector).buffer).toString('base64');
}

function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const floats = new Float64Array(bytes.length / 8);
  new Uint8Array(floats.buffer).set(bytes); // copied: the Buffer's offset may not be 8-aligned
  return Array.from(floats);
}
