import { checkOrigin } from './origin-check';

const request = (headers: Record<string, string>) => ({
  headers: { host: 'forum.example', ...headers },
});
const allowed = ['https://admin.example'];

describe('checkOrigin', () => {
  it.each([
    ['same-origin fetch', { 'sec-fetch-site': 'same-origin', origin: 'https://forum.example' }],
    ['a navigation the user typed', { 'sec-fetch-site': 'none' }],
    ['an old browser on the same host', { origin: 'https://forum.example' }],
    ['an allowed origin', { 'sec-fetch-site': 'cross-site', origin: 'https://admin.example' }],
    ['no browser headers at all (curl, server to server)', {}],
    [
      'a Host header with the default port',
      { origin: 'https://forum.example', host: 'forum.example:443' },
    ],
    ['a Host header in capitals', { origin: 'https://forum.example', host: 'Forum.Example' }],
  ])('lets %s through', (_, headers) => {
    expect(checkOrigin(request(headers), allowed)).toBeNull();
  });

  it.each([
    [
      'cross-site',
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      'sec-fetch-site',
    ],
    [
      'same-site (a sibling subdomain)',
      { 'sec-fetch-site': 'same-site', origin: 'https://x.forum.example' },
      'sec-fetch-site',
    ],
    [
      'cross-site even with a matching Origin',
      { 'sec-fetch-site': 'cross-site', origin: 'https://forum.example' },
      'sec-fetch-site',
    ],
    ['another origin from an old browser', { origin: 'https://evil.example' }, 'origin'],
    ['another port', { origin: 'https://forum.example:8443' }, 'origin'],
    [
      'the default port of another scheme',
      { origin: 'http://forum.example', host: 'forum.example:443' },
      'origin',
    ],
    ['a sandboxed frame (Origin: null)', { origin: 'null' }, 'origin'],
    ['garbage', { origin: 'not a url' }, 'origin'],
  ])('refuses %s', (_, headers, reason) => {
    expect(checkOrigin(request(headers), allowed)).toMatchObject({ reason });
  });
});
