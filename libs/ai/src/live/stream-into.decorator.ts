import { AI_LIVE_STREAM_METADATA } from './ai-live.constants';

/** One `@StreamInto()`: the field, and the handler whose returned stream fills it (if any). */
export interface StreamIntoBinding {
  field: string;
  method?: string;
}

/**
 * Declares a state field of a live component that holds a streamed answer (an `AiLiveText`).
 * On a handler, the `AiStream` it returns is streamed into the field: the handler returns at
 * once, and the page receives the answer piece by piece. On the class, the field is declared
 * for `LiveAiStreams.start()`. Either way, a page that rejoins gets the text so far and follows
 * on. Needs `AiLiveModule` (from `@lattice/ai/live`).
 *
 * @example
 * @Component({ name: 'assistant' })
 * export class Assistant extends ComponentService<{}, { answer: AiLiveText }> {
 *   constructor(@InjectAi() private readonly ai: AIManager, private readonly streams: LiveAiStreams) { super(); }
 *   mount() { return { answer: aiLiveText() }; }
 *   render({ answer }) { return html`<p>${aiText(answer)}</p>`; }
 *   @On('ask', z.object({ q: z.string() }))
 *   @StreamInto('answer')
 *   ask({ q }) { return this.ai.stream({ prompt: q }); }
 *   @On('stop') stop() { this.streams.cancel('answer'); }
 * }
 */
export function StreamInto(field: string): ClassDecorator & MethodDecorator {
  return ((target: object, method?: string | symbol) => {
    const type = (method === undefined ? target : target.constructor) as object;
    const bindings: StreamIntoBinding[] = Reflect.getMetadata(AI_LIVE_STREAM_METADATA, type) ?? [];
    Reflect.defineMetadata(
      AI_LIVE_STREAM_METADATA,
      [...bindings, { field, method: method === undefined ? undefined : String(method) }],
      type,
    );
  }) as ClassDecorator & MethodDecorator;
}

/** The `@StreamInto()` bindings of a component class. */
export function streamIntoBindings(type: object): StreamIntoBinding[] {
  return (Reflect.getMetadata(AI_LIVE_STREAM_METADATA, type) ?? []) as StreamIntoBinding[];
}
