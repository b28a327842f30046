import { LatticeError } from '@lattice/core';
import { randomBytes } from 'node:crypto';
import { Encryption } from './encryption';
import { Keyring } from './keyring';

const key = () => randomBytes(32).toString('base64');
const k1 = { id: 'k1', key: key() };
const k2 = { id: 'k2', key: key() };
const withKeys = (...keys: Array<{ id: string; key: string }>) =>
  new Encryption(new Keyring({ encryption: { keys } }));

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as LatticeError).code;
  }
  return 'no error';
};

/** Changes one base64url character of part `index` of `enc:v1:id:iv:data:tag`. */
function flip(payload: string, index: number): string {
  const parts = payload.split(':');
  const part = parts[index];
  parts[index] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
  return parts.join(':');
}

describe('Encryption (AES-256-GCM over a keyring)', () => {
  it('round-trips text and bytes, with a fresh IV each time, naming the key', () => {
    const encryption = withKeys(k1);
    const a = encryption.encrypt('IBAN DE89 3704 0044 0532 0130 00');
    const b = encryption.encrypt('IBAN DE89 3704 0044 0532 0130 00');
    expect(a).toMatch(/^enc:v1:k1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('DE89');
    expect(encryption.decrypt(a)).toBe('IBAN DE89 3704 0044 0532 0130 00');
    expect(encryption.decrypt(encryption.encrypt(''))).toBe('');
    const bytes = randomBytes(100);
    expect(encryption.decryptToBuffer(encryption.encrypt(bytes)).equals(bytes)).toBe(true);
  });

  it.each([
    ['the IV', 3],
    ['the ciphertext', 4],
    ['the tag', 5],
  ])('detects a change of %s', (_name, index) => {
    const encryption = withKeys(k1);
    const payload = encryption.encrypt('secret value');
    expect(codeOf(() => encryption.decrypt(flip(payload, index)))).toBe(
      'LATTICE_SECURITY_DECRYPT_FAILED',
    );
  });

  it('detects a truncated value, a foreign string and a value moved to another context', () => {
    const encryption = withKeys(k1);
    const payload = encryption.encrypt('secret value', 'User.email');
    expect(encryption.decrypt(payload, 'User.email')).toBe('secret value');
    expect(codeOf(() => encryption.decrypt(payload, 'User.phone'))).toBe(
      'LATTICE_SECURITY_DECRYPT_FAILED',
    );
    expect(codeOf(() => encryption.decrypt(payload.slice(0, -2), 'User.email'))).toBe(
      'LATTICE_SECURITY_DECRYPT_FAILED',
    );
    expect(codeOf(() => encryption.decrypt('plain text'))).toBe('LATTICE_SECURITY_DECRYPT_FAILED');
  });

  it('rotates: a new first key encrypts, old keys still decrypt, rotate() re-encrypts', () => {
    const before = withKeys(k1).encrypt('kept across rotation', 'ctx');
    const after = withKeys(k2, k1);
    expect(after.decrypt(before, 'ctx')).toBe('kept across rotation');
    expect(after.needsRotation(before)).toBe(true);
    const rotated = after.rotate(before, 'ctx');
    expect(rotated).toMatch(/^enc:v1:k2:/);
    expect(after.needsRotation(rotated)).toBe(false);
    expect(after.rotate(rotated, 'ctx')).toBe(rotated);
    expect(withKeys(k2).decrypt(rotated, 'ctx')).toBe('kept across rotation');
    // A retired key that was dropped too early: the error says which key is missing.
    expect(codeOf(() => withKeys(k2).decrypt(before, 'ctx'))).toBe('LATTICE_SECURITY_KEY_UNKNOWN');
  });

  it('rewriting the key id does not let another key decrypt', () => {
    const payload = withKeys(k1).encrypt('value');
    const relabelled = payload.replace(':k1:', ':k2:');
    expect(codeOf(() => withKeys(k2, k1).decrypt(relabelled))).toBe(
      'LATTICE_SECURITY_DECRYPT_FAILED',
    );
  });

  it('refuses bad keys at start and says when no key is configured', () => {
    expect(codeOf(() => withKeys({ id: 'short', key: randomBytes(16).toString('base64') }))).toBe(
      'LATTICE_SECURITY_KEY_INVALID',
    );
    expect(codeOf(() => withKeys(k1, { ...k2, id: 'k1' }))).toBe('LATTICE_SECURITY_KEY_INVALID');
    expect(codeOf(() => withKeys({ id: 'bad id', key: key() }))).toBe(
      'LATTICE_SECURITY_KEY_INVALID',
    );
    expect(codeOf(() => withKeys().encrypt('x'))).toBe('LATTICE_SECURITY_KEYS_NOT_CONFIGURED');
  });
});

describe('HMAC signatures', () => {
  it('verifies its own signatures for the same purpose only', () => {
    const encryption = withKeys(k1);
    const signature = encryption.sign('question:42|v=7', 'live-state');
    expect(signature).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(encryption.verify('question:42|v=7', signature, 'live-state')).toBe(true);
    expect(encryption.verify('question:42|v=8', signature, 'live-state')).toBe(false);
    expect(encryption.verify('question:42|v=7', signature, 'cookie')).toBe(false);
    const [id, mac] = signature.split('.');
    const changed = `${id}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(encryption.verify('question:42|v=7', changed, 'live-state')).toBe(false);
    expect(encryption.verify('question:42|v=7', 'nonsense', 'live-state')).toBe(false);
    expect(encryption.verify('question:42|v=7', signature, 'live-state')).toBe(true);
  });

  it('keeps verifying signatures of a retired key, and refuses unknown keys', () => {
    const old = withKeys(k1).sign('data');
    expect(withKeys(k2, k1).verify('data', old)).toBe(true);
    expect(withKeys(k2).verify('data', old)).toBe(false);
    expect(withKeys(k2, k1).sign('data')).toMatch(/^k2\./);
  });

  it('does not let the purpose and the data run into each other', () => {
    const encryption = withKeys(k1);
    expect(encryption.verify('c', encryption.sign('c', 'ab'), 'a')).toBe(false);
    expect(encryption.verify('bc', encryption.sign('c', 'ab'), 'a')).toBe(false);
  });
});
