import { ComponentRegistry, LiveSessions } from '@lattice/live';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AI_LIVE_OPTIONS } from './ai-live.constants';
import { AiLiveModule } from './ai-live.module';

/** What LiveModule gives the streams (not under test here). */
@Global()
@Module({
  providers: [
    { provide: LiveSessions, useValue: { notifyLocal: async () => undefined } },
    { provide: ComponentRegistry, useValue: { names: () => [] } },
  ],
  exports: [LiveSessions, ComponentRegistry],
})
class LiveStandIn {}

describe('AiLiveModule', () => {
  it('takes its options from forRoot(), and defaults without', async () => {
    const withOptions = await Test.createTestingModule({
      imports: [LiveStandIn, AiLiveModule.forRoot({ tickMs: 7 })],
    }).compile();
    expect(withOptions.get(AI_LIVE_OPTIONS)).toEqual({ tickMs: 7 });
    const plain = await Test.createTestingModule({
      imports: [LiveStandIn, AiLiveModule],
    }).compile();
    expect(plain.get(AI_LIVE_OPTIONS)).toEqual({});
  });

  it('refuses an unknown option and a value out of range, naming the range', () => {
    expect(() => AiLiveModule.forRoot({ tikMs: 5 } as never)).toThrow(
      expect.objectContaining({ code: 'LATTICE_AI_LIVE_OPTION_INVALID' }),
    );
    expect(() => AiLiveModule.forRoot({ tickMs: 0 })).toThrow(/from 1 to 1000/);
  });
});
