import { murmur3, murmur3Bytes } from './murmur3';

describe('murmur3', () => {
  it("matches the reference MurmurHash3 x86_32's published vectors", () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    expect(murmur3('Hello, world!', 1234)).toBe(0xfaf6cdb3);
  });

  it('hashes UTF-8 bytes (the same on every node, whatever the string holds)', () => {
    for (const text of ['é', 'node-1#7 ✓', '日本語のキー', 'ü'.repeat(500) /* grows the buffer */])
      expect(murmur3(text)).toBe(murmur3Bytes(Buffer.from(text, 'utf8')));
    expect(murmur3('é')).not.toBe(murmur3('e'));
  });
});
