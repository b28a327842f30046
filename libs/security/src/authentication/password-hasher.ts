import { Inject, Injectable } from '@nestjs/common';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { ResolvedSecurityOptions } from '../security.options';

// Algorithm is a const enum, which per-file compilers (swc) cannot inline.
const ARGON2ID = 2 as Algorithm;

/** argon2id hashes (PHC strings) with the configured cost; verification in constant time. */
@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(@Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions) {}

  hash(password: string): Promise<string> {
    const { memoryCost, timeCost } = this.options.passwords;
    return hash(password, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism: 1 });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false; // not a PHC string we can read
    }
  }

  /** Spends the time of one verification, so an unknown username answers as slowly as a known one. */
  async burn(password: string): Promise<void> {
    this.dummy ??= this.hash('lattice-dummy-password');
    await this.verify(await this.dummy, password);
  }

  /** True when the hash was made with other parameters than today's (rehash after a good login). */
  outdated(passwordHash: string): boolean {
    const { memoryCost, timeCost } = this.options.passwords;
    return !passwordHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=1$`);
  }
}
