import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { WebSocket } from 'ws';
import type { z } from 'zod';
import type { SocketModuleOptions } from './socket.interfaces';
import { SocketModule } from './socket.module';
import { socketOptionsSchema } from './socket.options';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.input<typeof socketOptionsSchema>, SocketModuleOptions> = true;

const lattice = LatticeModule.forRoot({
  env: { LOG_LEVEL: 'error' },
  envFile: false,
  bootReport: false,
});
const misspelt = { paht: '/ws', rateLimit: { messages: 0, perMs: 1000 } } as SocketModuleOptions;

@Injectable()
class SocketOptions {
  create(): SocketModuleOptions {
    return misspelt;
  }
}

@Injectable()
class GoodOptions {
  create(): SocketModuleOptions {
    return { path: '/from-factory' };
  }
}

@Module({ providers: [SocketOptions, GoodOptions], exports: [SocketOptions, GoodOptions] })
class OptionsSourceModule {}

async function refusal(socket: DynamicModule): Promise<string> {
  const error: unknown = await Test.createTestingModule({ imports: [lattice, socket] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

function appWith(socket: DynamicModule) {
  @Module({ imports: [lattice, socket] })
  class AppModule {}
  return NestFactory.create(AppModule, { logger: false });
}

describe('SocketModule', () => {
  it('options agree with SocketModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('refuses a misspelt key with the closest name and a bad value with its range', async () => {
    const message = await refusal(SocketModule.forRoot(misspelt));
    expect(message).toContain('paht: unknown option; did you mean "path"?');
    expect(message).toContain('rateLimit.messages: Too small: expected number to be >=1; got 0.');
  });

  it.each([
    ['useFactory', SocketModule.forRootAsync({ useFactory: () => misspelt })],
    [
      'useClass',
      SocketModule.forRootAsync({ imports: [OptionsSourceModule], useClass: SocketOptions }),
    ],
    [
      'useExisting',
      SocketModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: SocketOptions }),
    ],
  ])('checks the options forRootAsync gets from %s', async (_form, socket) => {
    expect(await refusal(socket)).toContain('paht: unknown option; did you mean "path"?');
  });

  it('names WsAdapter and the line to add when the app has no ws adapter', async () => {
    const app = await appWith(SocketModule.forRoot());
    await expect(app.init()).rejects.toMatchObject({
      code: 'LATTICE_SOCKET_WS_ADAPTER_MISSING',
      hint: expect.stringContaining(
        "import { WsAdapter } from '@nestjs/platform-ws'; app.useWebSocketAdapter(new WsAdapter(app));",
      ),
    });
    await app.close();
  });

  it('serves the path forRootAsync gets from its factory', async () => {
    const app = await appWith(
      SocketModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: GoodOptions }),
    );
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/from-factory`);
    const welcome = await new Promise<unknown[]>((resolve, reject) =>
      ws
        .once('message', (data) => resolve(JSON.parse(String(data)) as unknown[]))
        .once('error', reject),
    );
    expect(welcome[0]).toBe('sys');
    ws.close();
    await app.close();
  });
});
