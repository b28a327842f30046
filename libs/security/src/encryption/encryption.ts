import { Injectable } from '@nestjs/common';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { SecurityMessages } from '../security.messages';
import { Keyring } from './keyring';

/** `enc:v1:<key id>:<iv>:<ciphertext>:<tag>`, base64url parts. */
const PAYLOAD =
  /^enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]*):([A-Za-z0-9_-]{22})$/;
/** `<key id>.<HMAC-SHA256 in base64url>`. */
const SIGNATURE = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{43})$/;

/**
 * AES-256-GCM encryption and HMAC-SHA256 signatures over the keyring. A ciphertext is text
 * (`enc:v1:<key id>:…`) that names its key, so old data stays readable after a rotation. The
 * optional `context` (for example `User.email`) is authenticated with the data: a value copied
 * to another column or purpose does not decrypt.
 */
@Injectable()
export class Encryption {
  constructor(private readonly keyring: Keyring) {}

  encrypt(plaintext: string | Buffer, context = ''): string {
    const key = this.keyring.primary();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.encryption, iv);
    cipher.setAAD(aad(key.id, context));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['enc', 'v1', key.id, iv, data, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  /** The plaintext; throws `LATTICE_SECURITY_DECRYPT_FAILED` for anything changed or foreign. */
  decrypt(payload: string, context = ''): string {
    return this.decryptToBuffer(payload, context).toString('utf8');
  }

  decryptToBuffer(payload: string, context = ''): Buffer {
    const match = PAYLOAD.exec(payload);
    if (!match) throw SecurityMessages.decryptFailed(context);
    const [, keyId, iv, data, tag] = match;
    const key = this.keyring.get(keyId);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        key.encryption,
        Buffer.from(iv, 'base64url'),
        {
          authTagLength: 16,
        },
      );
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
    } catch {
      throw SecurityMessages.decryptFailed(context);
    }
  }

  /** True for a value encrypted with another key than the current one. */
  needsRotation(payload: string): boolean {
    const match = PAYLOAD.exec(payload);
    return !!match && match[1] !== this.keyring.primary().id;
  }

  /** The same plaintext encrypted with the current key (unchanged if it already is). */
  rotate(payload: string, context = ''): string {
    return this.needsRotation(payload)
      ? this.encrypt(this.decryptToBuffer(payload, context), context)
      : payload;
  }

  isEncrypted(value: unknown): value is string {
    return typeof value === 'string' && PAYLOAD.test(value);
  }

  /** `<key id>.<mac>`: an HMAC-SHA256 of `data` for `purpose` (signed cookies, state, links). */
  sign(data: string | Buffer, purpose = ''): string {
    const key = this.keyring.primary();
    return `${key.id}.${mac(key.signing, purpose, data).toString('base64url')}`;
  }

  /** True when `signature` is a signature of `data` for `purpose` by any key of the keyring. */
  verify(data: string | Buffer, signature: string, purpose = ''): boolean {
    const match = SIGNATURE.exec(signature);
    if (!match || !this.keyring.ids.includes(match[1])) return false;
    const expected = mac(this.keyring.get(match[1]).signing, purpose, data);
    const given = Buffer.from(match[2], 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`lattice:v1:${keyId}:${context}`);
}

function mac(key: Buffer, purpose: string, data: string | Buffer): Buffer {
  // The purpose is length-prefixed so ("ab", "c") and ("a", "bc") never sign alike.
  return createHmac('sha256', key)
    .update(`${Buffer.byteLength(purpose)}:${purpose}:`)
    .update(data)
    .digest();
}
