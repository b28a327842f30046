import { DynamicModule, Global, Module } from '@nestjs/common';
import { AI_LIVE_OPTIONS } from './ai-live.constants';
import type { AiLiveModuleOptions } from './ai-live.interfaces';
import { AiLiveMessages } from './ai-live.messages';
import { LiveAiStreams } from './live-ai-streams';
import { LiveAiStreamsBinding } from './live-ai-streams.binding';

/**
 * Streaming AI answers into live components (`@StreamInto()`, `LiveAiStreams`). Import it once,
 * next to `LiveModule.forRoot()` and `AiModule.forRoot()`; `forRoot()` takes the tick and the
 * retention times.
 *
 * @example
 * import { AiLiveModule } from '@lattice/ai/live';
 * @Module({ imports: [LiveModule.forRoot(), AiModule.forRoot({ … }), AiLiveModule] })
 * export class AppModule {}
 */
@Global()
@Module({
  providers: [{ provide: AI_LIVE_OPTIONS, useValue: {} }, LiveAiStreams, LiveAiStreamsBinding],
  exports: [LiveAiStreams],
})
export class AiLiveModule {
  static forRoot(options: AiLiveModuleOptions = {}): DynamicModule {
    // Its options provider comes after, and replaces, the default one.
    return {
      module: AiLiveModule,
      providers: [{ provide: AI_LIVE_OPTIONS, useValue: checked(options) }],
    };
  }
}

const RANGES: Record<keyof AiLiveModuleOptions, [number, number]> = {
  tickMs: [1, 1000],
  abandonAfterMs: [1000, 86_400_000],
  keepMs: [0, 86_400_000],
};

function checked(options: AiLiveModuleOptions): AiLiveModuleOptions {
  for (const [option, value] of Object.entries(options)) {
    const range = RANGES[option as keyof AiLiveModuleOptions];
    if (!range)
      throw AiLiveMessages.optionInvalid(option, value, `one of ${Object.keys(RANGES).join(', ')}`);
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < range[0] ||
      value > range[1]
    )
      throw AiLiveMessages.optionInvalid(
        option,
        value,
        `a whole number of ms from ${range[0]} to ${range[1]}`,
      );
  }
  return options;
}
