import type { Queryable } from './db';
import { auditMany, type AuditEntry } from './repositories';

/**
 * Audit entries written together while one write is in flight (group commit). Every card tap writes
 * one (`list.disclosed` for a page turned); under load they queued one by one for the database. An
 * entry written alone goes at once; entries arriving while a write is in flight go in the next write,
 * as one statement. Each caller's promise settles only once its own entry is stored (or has failed):
 * nothing is answered before its audit is kept. A group that fails is written again entry by entry,
 * so one bad entry fails only its own caller.
 */

/** Entries in one statement at most. */
export const AUDIT_GROUP_MAX = 200;

interface Waiting {
  entry: AuditEntry;
  settle: (error?: unknown) => void;
}

class AuditGroup {
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Queryable) {}

  add(entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entry, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, AUDIT_GROUP_MAX);
        try {
          await auditMany(this.db, group.map((item) => item.entry));
          for (const item of group) item.settle();
        } catch (error) {
          if (group.length === 1) group[0]!.settle(error);
          else for (const item of group) await auditMany(this.db, [item.entry]).then(() => item.settle(), (alone: unknown) => item.settle(alone));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

const groups = new WeakMap<Queryable, AuditGroup>();

/** Writes an audit entry with any others written on `db` meanwhile; settles once it is stored. Not for a transaction's own entries. */
export function auditGrouped(db: Queryable, entry: AuditEntry): Promise<void> {
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new AuditGroup(db)));
  return group.add(entry);
}
