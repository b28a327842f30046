import { RedisConnections } from '@lattice/core';
import { Command, CommandRunner, Option } from '@lattice/core/cli';
import { Inject, Module, Optional } from '@nestjs/common';
import { DataSource, type EntityMetadata } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { Encryption } from '../encryption/encryption';
import { Keyring } from '../encryption/keyring';
import { AuthenticationManager } from '../authentication/authentication.manager';
import { SECURITY_MODULE_OPTIONS, SECURITY_USER_STORE } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';
import type { SecurityUserStore } from '../stores/user-store.interface';

const out = (line = '') => process.stdout.write(`${line}\n`);

/** `<seq>:<hash>` as `audit:verify` prints it. */
function parseHead(value: string): { seq: number; hash: string } {
  const at = value.indexOf(':');
  const seq = Number(value.slice(0, at));
  if (at < 1 || !Number.isInteger(seq) || seq < 1 || at === value.length - 1)
    throw SecurityMessages.auditHeadInvalid(value);
  return { seq, hash: value.slice(at + 1) };
}

@Command({
  name: 'audit:verify',
  description:
    'Walk the audit log hash chain; exit 1 when a row was edited, deleted or the recorded head is gone',
})
export class AuditVerifyCommand extends CommandRunner {
  // SecurityModule exports AuditLog only when its audit log is on.
  constructor(@Optional() private readonly audit?: AuditLog) {
    super();
  }

  async run(_: string[], flags: { head?: { seq: number; hash: string } }): Promise<void> {
    const audit = this.audit;
    if (!audit) throw SecurityMessages.auditOff();
    const result = await audit.verify(flags.head);
    if (result.ok) {
      out(`✔ The audit log is intact: ${result.count} row${result.count === 1 ? '' : 's'}.`);
      if (result.head)
        out(
          `  head ${result.head.seq}:${result.head.hash} (keep it elsewhere; pass it as --head next time to catch a cut tail)`,
        );
      return;
    }
    out(
      `✘ The audit log was tampered with: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${result.count} rows.`,
    );
    for (const problem of result.problems)
      out(`  seq ${problem.seq}: ${problem.problem}: ${problem.detail}`);
    out('  Restore the table from a backup and find out who could write to it.');
    process.exitCode = 1;
  }

  @Option({
    flags: '--head <seq:hash>',
    description: 'The head printed by an earlier run: also fail if rows after it were cut',
  })
  parseHead(value: string): { seq: number; hash: string } {
    return parseHead(value);
  }
}

interface EncryptedColumn {
  metadata: EntityMetadata;
  property: string;
  column: string;
  context: string;
}

@Command({
  name: 'security:reencrypt',
  description:
    'Re-encrypt every @Encrypted column value that names an older key with the current key (the first of ENCRYPTION_KEYS)',
})
export class ReencryptCommand extends CommandRunner {
  constructor(
    private readonly data: DataSource,
    private readonly encryption: Encryption,
    private readonly keyring: Keyring,
  ) {
    super();
  }

  async run(_: string[], flags: { dryRun?: boolean }): Promise<void> {
    if (!this.keyring.configured) throw SecurityMessages.keysMissing();
    const current = this.keyring.primary().id;
    const columns = encryptedColumns(this.data);
    if (!columns.length) {
      out('No @Encrypted columns in the registered entities: nothing to do.');
      return;
    }
    out(`Re-encrypting with key "${current}"${flags.dryRun ? ' (dry run)' : ''}`);
    let total = 0;
    for (const column of columns) {
      const changed = await this.reencrypt(column, flags.dryRun === true);
      total += changed.rotated;
      out(
        `  ${flags.dryRun ? '·' : '✔'} ${column.metadata.name}.${column.property}: ${changed.rotated} of ${changed.values} value${changed.values === 1 ? '' : 's'} ${flags.dryRun ? 'to re-encrypt' : 're-encrypted'}`,
      );
    }
    out(
      flags.dryRun
        ? `${total} value${total === 1 ? '' : 's'} would be re-encrypted.`
        : `${total} value${total === 1 ? '' : 's'} re-encrypted; keys after "${current}" can be removed once every node runs with this keyring.`,
    );
  }

  @Option({ flags: '--dry-run', description: 'Count the values to re-encrypt, change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  /** Reads raw values (no transformer) and writes each back only if it is still the one read. */
  private async reencrypt(
    { metadata, column, context }: EncryptedColumn,
    dryRun: boolean,
  ): Promise<{ values: number; rotated: number }> {
    const primaries = metadata.primaryColumns.map((c) => c.databaseName);
    const quote = (name: string) => this.data.driver.escape(name);
    const table = quote(metadata.tablePath);
    const rows = (await this.data.query(
      `SELECT ${[...primaries, column].map(quote).join(', ')} FROM ${table} WHERE ${quote(column)} IS NOT NULL`,
    )) as Array<Record<string, unknown>>;
    let rotated = 0;
    for (const row of rows) {
      const value = String(row[column]);
      if (!this.encryption.needsRotation(value)) continue;
      rotated++;
      if (dryRun) continue;
      const next = this.encryption.rotate(value, context);
      await this.data.query(
        `UPDATE ${table} SET ${quote(column)} = ? WHERE ${primaries.map((p) => `${quote(p)} = ?`).join(' AND ')} AND ${quote(column)} = ?`,
        [next, ...primaries.map((p) => row[p]), value],
      );
    }
    return { values: rows.length, rotated };
  }
}

function encryptedColumns(data: DataSource): EncryptedColumn[] {
  return data.entityMetadatas.flatMap((metadata) =>
    metadata.columns.flatMap((column) => {
      const context = (column.transformer as { encryptedContext?: unknown } | undefined)
        ?.encryptedContext;
      return typeof context === 'string'
        ? [{ metadata, property: column.propertyName, column: column.databaseName, context }]
        : [];
    }),
  );
}

@Command({
  name: 'sessions:end',
  arguments: '<userId>',
  description:
    'End every session of a user now (a stolen account, a departure): refresh tokens die, and with REDIS_URL every running node refuses the access tokens and closes the sockets',
})
export class EndSessionsCommand extends CommandRunner {
  constructor(
    private readonly authentication: AuthenticationManager,
    @Inject(SECURITY_USER_STORE) private readonly users: SecurityUserStore,
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    private readonly redis: RedisConnections,
  ) {
    super();
  }

  async run([userId]: string[]): Promise<void> {
    if (!(await this.users.findById(userId))) throw SecurityMessages.userUnknown(userId);
    const count = await this.authentication.logoutEverywhere(userId, null);
    out(`✔ Ended ${count} session${count === 1 ? '' : 's'} of user ${userId}.`);
    const minutes = Math.ceil(this.options.jwt.accessTtlSeconds / 60);
    out(
      this.redis.configured
        ? '  Every node on this REDIS_URL refuses their access tokens now and has closed their sockets.'
        : `  Their refresh tokens are dead. Without REDIS_URL a running app does not hear of it: their access tokens work there until they expire (${minutes} min at most). Use POST /auth/users/${userId}/logout-all on the app to end them at once.`,
    );
  }
}

/**
 * Adds `lattice audit:verify`, `lattice security:reencrypt` and `lattice sessions:end` to a `lattice` command line
 * (`runLatticeCli` of `@lattice/core/cli`); import it
 * next to `SecurityModule.forRoot()` and `DatabaseModule` in the app's CLI module.
 */
@Module({ providers: [AuditVerifyCommand, ReencryptCommand, EndSessionsCommand] })
export class SecurityCommandsModule {}
