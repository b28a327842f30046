import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, timingSafeEqual } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
import { Encryption } from '../encryption/encryption';
import { Keyring } from '../encryption/keyring';
import { isUniqueViolation } from '../stores/unique-violation';
import { AuditEntryEntity } from './audit-entry.entity';

/** What happened. `type` is a dotted name: `login.failed`, `refresh.reused`, `access.denied`. */
export interface AuditEvent {
  type: string;
  actorId?: string | null;
  ip?: string | null;
  /** What it was about: `user:42`, `question:7`, a route. */
  subject?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditEvent, 'data'>> {
  seq: number;
  occurredAt: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditProblem {
  seq: number;
  problem: 'edited' | 'missing' | 'unlinked' | 'head';
  detail: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Rows checked. */
  count: number;
  /** The last row's `seq` and `hash`: keep them elsewhere to catch a cut tail later. */
  head: { seq: number; hash: string } | null;
  problems: AuditProblem[];
}

const PURPOSE = 'lattice:audit';
const SHA256 = 'sha256:';
const PAGE = 500;
/** How long an append keeps building on other nodes' rows before it gives up. */
const APPEND_PATIENCE_MS = 10_000;

/**
 * Security events, append-only with a hash chain: each row's hash covers its fields and the
 * previous row's hash. With ENCRYPTION_KEYS set, the hash is an HMAC with the keyring's key, so
 * someone who can write to the database cannot rebuild the chain after an edit; without keys it
 * is a plain SHA-256, which catches accidents and careless edits only.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('Audit');
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectRepository(AuditEntryEntity) private readonly entries: Repository<AuditEntryEntity>,
    private readonly encryption: Encryption,
    private readonly keyring: Keyring,
  ) {}

  /** Appends an event. Appends of one process run one at a time; other nodes are retried past. */
  record(event: AuditEvent): Promise<AuditEntry> {
    const next = this.tail.then(() => this.append(event));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Like `record`, but a failure is logged instead of thrown: for events on a request's path
   * (a login must not fail because the audit table is unreachable).
   */
  async recordQuietly(event: AuditEvent): Promise<void> {
    try {
      await this.record(event);
    } catch (error) {
      this.logger.error(`Could not record the audit event "${event.type}": ${String(error)}`);
    }
  }

  /** The newest entries first. */
  async latest(limit = 50): Promise<AuditEntry[]> {
    const rows = await this.entries.find({ order: { seq: 'DESC' }, take: limit });
    return rows.map(toEntry);
  }

  /**
   * Walks the whole chain. Finds edited rows (hash mismatch), deleted rows (gaps in `seq`, broken
   * links) and, given the head recorded earlier, a cut tail.
   */
  async verify(expectedHead?: { seq: number; hash: string }): Promise<AuditVerification> {
    const problems: AuditProblem[] = [];
    let previous: AuditEntryEntity | undefined;
    let count = 0;
    for (;;) {
      const page = await this.entries.find({
        where: previous ? { seq: MoreThan(previous.seq) } : {},
        order: { seq: 'ASC' },
        take: PAGE,
      });
      for (const row of page) {
        count++;
        const expectedSeq = (previous?.seq ?? 0) + 1;
        if (row.seq !== expectedSeq)
          problems.push({
            seq: row.seq,
            problem: 'missing',
            detail: `rows ${expectedSeq}…${row.seq - 1} are missing`,
          });
        if (row.prevHash !== (previous?.hash ?? ''))
          problems.push({
            seq: row.seq,
            problem: 'unlinked',
            detail: 'its previous-hash does not match the row before it',
          });
        if (!this.hashMatches(row))
          problems.push({
            seq: row.seq,
            problem: 'edited',
            detail: 'its content does not match its hash',
          });
        previous = row;
      }
      if (page.length < PAGE) break;
    }
    if (expectedHead) {
      const seen = expectedHead.seq <= (previous?.seq ?? 0);
      if (!seen)
        problems.push({
          seq: expectedHead.seq,
          problem: 'head',
          detail: `the log ends at ${previous?.seq ?? 0}, before the recorded head ${expectedHead.seq}: rows were cut`,
        });
      else {
        const row = await this.entries.findOneBy({ seq: expectedHead.seq });
        if (row?.hash !== expectedHead.hash)
          problems.push({
            seq: expectedHead.seq,
            problem: 'head',
            detail: 'the recorded head was replaced',
          });
      }
    }
    return {
      ok: problems.length === 0,
      count,
      head: previous ? { seq: previous.seq, hash: previous.hash } : null,
      problems,
    };
  }

  private async append(event: AuditEvent): Promise<AuditEntry> {
    const deadline = Date.now() + APPEND_PATIENCE_MS;
    for (let attempt = 1; ; attempt++) {
      const [last] = await this.entries.find({ order: { seq: 'DESC' }, take: 1 });
      const row: AuditEntryEntity = Object.assign(new AuditEntryEntity(), {
        seq: (last?.seq ?? 0) + 1,
        occurredAt: new Date().toISOString(),
        type: event.type,
        actorId: event.actorId ?? null,
        ip: event.ip ?? null,
        subject: event.subject ?? null,
        data: JSON.stringify(event.data ?? {}),
        prevHash: last?.hash ?? '',
        hash: '',
      });
      row.hash = this.hashOf(row);
      try {
        await this.entries.insert(row);
        return toEntry(row);
      } catch (error) {
        // Another node took this seq: build on its row instead. Each conflict is another node's
        // progress, so a count of attempts would give up on a busy log; time does not. A
        // jittered pause keeps two nodes from colliding in step.
        if (!isUniqueViolation(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)));
      }
    }
  }

  private hashOf(row: AuditEntryEntity): string {
    const canonical = canonicalForm(row);
    return this.keyring.configured
      ? this.encryption.sign(canonical, PURPOSE)
      : SHA256 + createHash('sha256').update(canonical).digest('hex');
  }

  private hashMatches(row: AuditEntryEntity): boolean {
    const canonical = canonicalForm(row);
    // With keys, a plain SHA-256 row is refused: anyone could have written it.
    if (this.keyring.configured) return this.encryption.verify(canonical, row.hash, PURPOSE);
    const expected = Buffer.from(SHA256 + createHash('sha256').update(canonical).digest('hex'));
    const given = Buffer.from(row.hash);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function canonicalForm(row: AuditEntryEntity): string {
  return JSON.stringify([
    row.seq,
    row.occurredAt,
    row.type,
    row.actorId,
    row.ip,
    row.subject,
    row.data,
    row.prevHash,
  ]);
}

function toEntry(row: AuditEntryEntity): AuditEntry {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    data = { unreadable: row.data };
  }
  return { ...row, data };
}
