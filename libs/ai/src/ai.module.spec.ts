import { BootReporter, LatticeModule } from '@lattice/core';
import { Test } from '@nestjs/testing';
import { AiModule } from './ai.module';
import { OfflineProvider } from './providers/offline/offline.provider';

const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });

describe('AiModule', () => {
  it('names its providers and chain in the boot report', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        lattice,
        AiModule.forRoot({
          providers: [
            { name: 'local', type: 'openai', baseURL: 'http://user:secret@127.0.0.1:11434/v1' },
            { name: 'offline', type: 'offline' },
            { name: 'mine', type: 'custom', provider: new OfflineProvider('mine') },
          ],
          chain: ['local', 'offline'],
        }),
      ],
    }).compile();
    const line = moduleRef.get(BootReporter).lines().at(-1);
    expect(line).toBe(
      '  ai       local   chain local → offline; local at http://user:***@127.0.0.1:11434/v1, offline, mine (custom)',
    );
  });

  it('shows the offline default when given no options', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [lattice, AiModule.forRoot()],
    }).compile();
    expect(moduleRef.get(BootReporter).lines().at(-1)).toBe(
      '  ai       offline chain offline; offline',
    );
  });
});
