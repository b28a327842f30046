// MurmurHash3 x86_32 of a string's UTF-8 bytes. The ring must be the same on every node, so the
// hash is a pure function of the bytes (no seed from the process, no platform byte order) and
// matches the reference implementation's test vectors (murmur3.spec.ts). Written here rather
// than taken from a package: 40 lines, and node:crypto is 4× (crypto.hash md5) to 16×
// (createHash) slower for keys this short (decision 0041, bench/cluster/balancing.ts).

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** MurmurHash3 (x86, 32-bit) of `text` as UTF-8, as an unsigned 32-bit integer. */
export function murmur3(text: string, seed = 0): number {
  // Up to 3 bytes per UTF-16 unit; grow the reused buffer rather than allocate per call.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3Bytes(scratch, written, seed);
}

/** MurmurHash3 (x86, 32-bit) of the first `length` bytes. */
export function murmur3Bytes(bytes: Uint8Array, length = bytes.length, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = bytes[blocks];
    if (tail > 1) k ^= bytes[blocks + 1] << 8;
    if (tail > 2) k ^= bytes[blocks + 2] << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
