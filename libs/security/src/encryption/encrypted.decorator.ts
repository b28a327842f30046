import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';
import { SecurityMessages } from '../security.messages';
import type { Encryption } from './encryption';

/**
 * The Encryption of the running app, for column transformers (entities are decorated at import
 * time, before any module exists). `SecurityModule` binds it on start and unbinds it on shutdown.
 */
export class EncryptedColumns {
  private static current: Encryption | undefined;

  static bind(encryption: Encryption): void {
    EncryptedColumns.current = encryption;
  }

  static unbind(encryption: Encryption): void {
    if (EncryptedColumns.current === encryption) EncryptedColumns.current = undefined;
  }

  static get(column: string): Encryption {
    if (!EncryptedColumns.current) throw SecurityMessages.encryptionNotStarted(column);
    return EncryptedColumns.current;
  }
}

/**
 * A TypeORM transformer that stores a string encrypted (AES-256-GCM, the keyring's current key)
 * and reads it back decrypted; `null` and `undefined` pass through. `context` is authenticated
 * with the value, so a ciphertext copied to another column does not decrypt.
 */
export function encryptedTransformer(
  context: string,
): ValueTransformer & { encryptedContext: string } {
  return {
    // Lets `lattice security:reencrypt` find the encrypted columns and their contexts.
    encryptedContext: context,
    to: (value: unknown) =>
      value === null || value === undefined
        ? value
        : EncryptedColumns.get(context).encrypt(String(value), context),
    from: (value: unknown) =>
      value === null || value === undefined
        ? value
        : EncryptedColumns.get(context).decrypt(String(value), context),
  };
}

/**
 * An encrypted text column. The ciphertext is bound to `<Entity>.<property>` unless `context` is
 * given (give one that stays the same if the class or property may be renamed).
 *
 * @example
 * @Entity() export class Account { @Encrypted() iban: string; @Encrypted({ nullable: true }) phone: string | null; }
 */
export function Encrypted(
  options: Omit<ColumnOptions, 'type' | 'transformer'> & { context?: string } = {},
) {
  return (target: object, property: string) => {
    const { context, ...column } = options;
    Column({
      type: 'text',
      ...column,
      transformer: encryptedTransformer(context ?? `${target.constructor.name}.${property}`),
    })(target, property);
  };
}
