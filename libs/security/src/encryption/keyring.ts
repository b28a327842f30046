import { Inject, Injectable } from '@nestjs/common';
import { hkdfSync } from 'node:crypto';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';

export interface KeyringKey {
  id: string;
  /** AES-256-GCM key, derived from the configured key (HKDF-SHA256, info "lattice:aes-256-gcm"). */
  encryption: Buffer;
  /** HMAC-SHA256 key, derived from the same key with another info, so one key never does both jobs. */
  signing: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The configured keys: the first encrypts and signs, every one decrypts and verifies, so keys
 * rotate by putting a new one first and keeping the old ones until their data is re-encrypted.
 */
@Injectable()
export class Keyring {
  private readonly keys = new Map<string, KeyringKey>();
  private readonly primaryId: string | undefined;

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) options: Pick<ResolvedSecurityOptions, 'encryption'>,
  ) {
    for (const { id, key } of options.encryption.keys) {
      if (!KEY_ID.test(id))
        throw SecurityMessages.keyInvalid(
          id,
          'the id has other characters than letters, digits, "_" or "-", or more than 32',
        );
      if (this.keys.has(id)) throw SecurityMessages.keyInvalid(id, 'the id is used twice');
      const raw = Buffer.from(key, 'base64');
      if (raw.length !== 32)
        throw SecurityMessages.keyInvalid(id, `it is ${raw.length} bytes, not 32`);
      this.keys.set(id, {
        id,
        encryption: derive(raw, 'lattice:aes-256-gcm'),
        signing: derive(raw, 'lattice:hmac-sha256'),
      });
    }
    this.primaryId = options.encryption.keys[0]?.id;
  }

  get configured(): boolean {
    return this.primaryId !== undefined;
  }

  /** The key new data is encrypted and signed with. */
  primary(): KeyringKey {
    if (this.primaryId === undefined) throw SecurityMessages.keysMissing();
    return this.keys.get(this.primaryId)!;
  }

  get(id: string): KeyringKey {
    const key = this.keys.get(id);
    if (!key) throw SecurityMessages.keyUnknown(id, [...this.keys.keys()]);
    return key;
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }
}

function derive(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}
