// What a live app checks at boot: the names its pages use, its layouts' chains, and the modules
// its components need. Each mistake stops the boot with an error that names the fix.
import { CacheModule, getCacheToken } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { DEFAULT_CACHE_TOKEN, Layout, LiveLayout, LiveModule, LivePage } from '@lattice/live';
import { SocketModule } from '@lattice/socket';
import { Controller, Get, Module, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { CachedNews, Counter, LAYOUTS, LoopA, LoopB } from './fixtures/components';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

async function boot({
  controllers = [],
  providers = [],
  withCache = false,
}: {
  controllers?: Type<unknown>[];
  providers?: Provider[];
  withCache?: boolean;
}): Promise<void> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      SocketModule.forRoot(),
      LiveModule.forRoot({ secret: SECRET }),
      ...(withCache ? [CacheModule.forRoot({ tagCleanupIntervalMs: 0 })] : []),
    ],
    controllers,
    providers: [Counter, ...LAYOUTS, ...providers],
  })
  class BootModule {}
  const app = await NestFactory.create(BootModule, { logger: false, abortOnError: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

@Controller()
class MisspeltPage {
  @Get('/')
  @LivePage('countr', { title: 'Count' })
  home() {
    return { start: 1 };
  }
}

@Controller()
class MisspeltLayout {
  @Get('/')
  @LivePage('counter', { layout: 'iner' })
  home() {
    return { start: 1 };
  }
}

@Controller()
class GoodPage {
  @Get('/')
  @LivePage('counter', { layout: 'inner' })
  home() {
    return { start: 1 };
  }
}

@Layout({ name: 'orphan', parent: 'outr' })
class Orphan implements LiveLayout {
  render({ content }: { content: unknown }) {
    return content as never;
  }
}

describe('live checks at boot', () => {
  it('starts when every @LivePage names a registered component and layout', async () => {
    await expect(boot({ controllers: [GoodPage] })).resolves.toBeUndefined();
  });

  it('refuses an unknown @LivePage component, naming the closest and the registered ones', async () => {
    await expect(boot({ controllers: [MisspeltPage] })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_COMPONENT_UNKNOWN',
      message:
        '@LivePage(\'countr\') on MisspeltPage.home() names no live component. Did you mean "counter"? Registered: counter.',
    });
  });

  it('refuses an unknown @LivePage layout, naming the closest and the registered ones', async () => {
    await expect(boot({ controllers: [MisspeltLayout] })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_LAYOUT_UNKNOWN',
      message:
        '@LivePage on MisspeltLayout.home() uses the layout "iner", which is not registered. Did you mean "inner"? Registered: inner, outer, with-parts.',
    });
  });

  it('refuses a layout whose parent is not registered', async () => {
    await expect(boot({ providers: [Orphan] })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_LAYOUT_UNKNOWN',
      message: expect.stringContaining('No layout is named "outr". Did you mean "outer"?'),
    });
  });

  it('refuses layouts that contain each other', async () => {
    await expect(boot({ providers: [LoopA, LoopB] })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_LAYOUT_CYCLE',
      message: expect.stringContaining('loop-a → loop-b → loop-a'),
    });
  });

  it('refuses a component that caches its renders without CacheModule, naming the module', async () => {
    await expect(boot({ providers: [CachedNews] })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_CACHE_MODULE_MISSING',
      message:
        'CachedNews cache their renders (@Component({ cache })), but CacheModule is not imported.',
      hint: expect.stringContaining('Import CacheModule.forRoot() from @lattice/cache'),
    });
    await expect(boot({ providers: [CachedNews], withCache: true })).resolves.toBeUndefined();
  });

  it("injects CacheModule's default store by the token CacheModule gives it", () => {
    expect(DEFAULT_CACHE_TOKEN).toBe(getCacheToken());
  });
});
