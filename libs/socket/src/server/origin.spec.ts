import type { IncomingMessage } from 'node:http';
import { originAllowed } from './origin';

const upgrade = (headers: Record<string, string>, encrypted = false) =>
  ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;

describe('originAllowed', () => {
  it.each([
    ['no Origin (not a browser)', upgrade({ host: 'forum.example' })],
    [
      'its own host over plain HTTP',
      upgrade({ host: 'forum.example', origin: 'http://forum.example' }),
    ],
    [
      'its own host, host header in capitals',
      upgrade({ host: 'Forum.Example', origin: 'https://forum.example' }),
    ],
    [
      'https behind a proxy that ends TLS silently',
      upgrade({ host: 'forum.example', origin: 'https://forum.example' }),
    ],
    ['https over TLS', upgrade({ host: 'forum.example', origin: 'https://forum.example' }, true)],
    [
      'https behind a proxy that says so',
      upgrade({
        host: 'forum.example',
        origin: 'https://forum.example',
        'x-forwarded-proto': 'https',
      }),
    ],
  ])('lets %s through', (_, request) => {
    expect(originAllowed(request)).toBe(true);
  });

  it.each([
    ['another host', upgrade({ host: 'forum.example', origin: 'https://evil.example' })],
    ['another port', upgrade({ host: 'forum.example', origin: 'https://forum.example:8443' })],
    ['Origin: null', upgrade({ host: 'forum.example', origin: 'null' })],
    [
      'an http page when the socket is TLS',
      upgrade({ host: 'forum.example', origin: 'http://forum.example' }, true),
    ],
    [
      'an http page when the proxy says https',
      upgrade({
        host: 'forum.example',
        origin: 'http://forum.example',
        'x-forwarded-proto': 'https, http',
      }),
    ],
    ['another scheme', upgrade({ host: 'forum.example', origin: 'ftp://forum.example' })],
  ])('refuses %s', (_, request) => {
    expect(originAllowed(request)).toBe(false);
  });

  it('with allowedOrigins, takes exactly those origins, scheme included', () => {
    const request = (origin: string) => upgrade({ host: 'api.example', origin });
    expect(originAllowed(request('https://forum.example'), ['https://forum.example'])).toBe(true);
    expect(originAllowed(request('http://forum.example'), ['https://forum.example'])).toBe(false);
  });
});
