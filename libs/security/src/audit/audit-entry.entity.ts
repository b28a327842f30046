import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One security event. `seq` has no gaps and each row carries the previous row's hash, so an
 * edited, deleted or reordered row shows in `AuditLog.verify()`. Times are ISO strings, so
 * the hashed form does not depend on how a driver rounds dates.
 */
@Entity('lattice_audit_log')
export class AuditEntryEntity {
  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'varchar', length: 30 })
  occurredAt: string;

  @Column({ type: 'varchar', length: 80 })
  type: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 190, nullable: true })
  subject: string | null;

  /** JSON. */
  @Column({ type: 'text' })
  data: string;

  @Column({ type: 'varchar', length: 120 })
  prevHash: string;

  @Column({ type: 'varchar', length: 120 })
  hash: string;
}
