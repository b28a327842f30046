import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { z } from 'zod';
import type { AiModuleOptions } from './ai.interfaces';
import { AiModule } from './ai.module';
import { aiOptionsSchema } from './ai.options';
import { InjectAi } from './decorators/inject-ai.decorator';
import { AIManager } from './manager/ai.manager';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.input<typeof aiOptionsSchema>, AiModuleOptions> = true;

const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });

async function refusal(ai: DynamicModule): Promise<string> {
  const error: unknown = await Test.createTestingModule({ imports: [lattice, ai] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

describe('AiModule options', () => {
  it('agree with AiModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('default to the offline provider alone', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [lattice, AiModule.forRoot()],
    }).compile();
    const ai = moduleRef.get(AIManager);
    expect(ai.providerNames).toEqual(['offline']);
    expect(ai.chain).toEqual(['offline']);
  });

  it('refuses a misspelt key, an unknown provider type and a bad URL', async () => {
    const message = await refusal(
      AiModule.forRoot({
        providers: [
          { name: 'openai', type: 'openai', baseURL: 'not a url', timeoutMS: 5 },
          { name: 'other', type: 'anthropic' },
        ],
      } as never),
    );
    expect(message).toMatch(/AiModule options are invalid \(\d problems?\)/);
    expect(message).toContain('providers[0].timeoutMS: unknown option');
    expect(message).toContain('providers[0].baseURL: Invalid URL.');
    expect(message).toContain(
      "providers[1].type: Invalid discriminator value. Expected 'openai' | 'offline' | 'custom'.",
    );
  });

  it('refuses a chain or a model naming a provider that is not configured, and twice the same name', async () => {
    const message = await refusal(
      AiModule.forRoot({
        providers: [
          { name: 'offline', type: 'offline' },
          { name: 'offline', type: 'offline' },
        ],
        chain: ['openai'],
        models: [{ name: 'gpt-4o-mini', provider: 'openai' }],
      }),
    );
    expect(message).toContain(
      'providers[1].name: "offline" names two providers; names must be unique.',
    );
    expect(message).toContain(
      'chain[0]: "openai" is not a configured provider (configured: "offline").',
    );
    expect(message).toContain('models[0].provider: "openai" is not a configured provider');
  });

  it('checks the options forRootAsync gets, and gives providerNames to @InjectAi(name)', async () => {
    expect(
      await refusal(AiModule.forRootAsync({ useFactory: () => ({ retry: { baseDelayMs: -1 } }) })),
    ).toContain('retry.baseDelayMs');

    @Injectable()
    class Consumer {
      constructor(@InjectAi('offline') readonly offline: AIManager) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        lattice,
        AiModule.forRootAsync({ useFactory: () => ({}), providerNames: ['offline'] }),
      ],
      providers: [Consumer],
    }).compile();
    expect(moduleRef.get(Consumer).offline.chain).toEqual(['offline']);
  });
});
