import { LatticeModule } from '@lattice/core';
import { CSRF_TOKENS, type CsrfTokenSource } from '@lattice/core';
import { LiveModule, LivePage } from '@lattice/live';
import { SocketModule } from '@lattice/socket';
import { Controller, Get, Global, INestApplication, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { Counter } from './fixtures/components';

@Controller()
class PageController {
  @Get('counter')
  @LivePage('counter', { title: 'Count' })
  counter() {
    return { start: 3 };
  }
}

/** What the security library will provide: here, a token read from a request header. */
const headerTokens: CsrfTokenSource = {
  token: (request) =>
    `csrf-for-${(request as { headers: Record<string, string> }).headers['x-visitor']}`,
};

async function boot(
  platform: 'express' | 'fastify',
  csrf: Provider[],
): Promise<{ app: INestApplication; url: string }> {
  @Global()
  @Module({ providers: csrf, exports: csrf.length ? [CSRF_TOKENS] : [] })
  class CsrfModule {}

  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      SocketModule.forRoot(),
      LiveModule.forRoot({ secret: 'a-test-secret-that-is-long-enough-0123456789' }),
      CsrfModule,
    ],
    controllers: [PageController],
    providers: [Counter],
  })
  class PageModule {}
  const app =
    platform === 'fastify'
      ? await NestFactory.create(PageModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(PageModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe.each(['express', 'fastify'] as const)('@LivePage head on %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  it('writes the request’s CSRF token once when a CSRF provider is registered', async () => {
    let url: string;
    ({ app, url } = await boot(platform, [{ provide: CSRF_TOKENS, useValue: headerTokens }]));
    const page = await (
      await fetch(`${url.replace('[::1]', '127.0.0.1')}/counter`, {
        headers: { 'x-visitor': 'ada' },
      })
    ).text();
    expect(count(page, '<meta name="csrf-token"')).toBe(1);
    expect(page).toContain('<meta name="csrf-token" content="csrf-for-ada">');
    expect(count(page, '<script')).toBe(1);
    expect(page).toContain('<b>3</b>');
  });

  it('writes no CSRF meta tag without a provider', async () => {
    let url: string;
    ({ app, url } = await boot(platform, []));
    const page = await (await fetch(`${url.replace('[::1]', '127.0.0.1')}/counter`)).text();
    expect(page).not.toContain('csrf-token');
    expect(count(page, '<script')).toBe(1);
  });
});
