import pino from 'pino';
import { RoleDirectory, type RoleSettings } from '../../src/access/roles';
import type { GroupMembership } from '../../src/graph/groups';
import type { Queryable } from '../../src/store/db';

export const NO_ROLES: RoleSettings = { users: { 'missing-team': [], chair: [], manager: [] }, groups: {}, cacheMs: 300_000 };

/** A role directory over a test database: configuration as given, groups through the given membership. */
export function testRoles(db: Queryable, settings: Partial<RoleSettings> = {}, groups: GroupMembership | null = null, now = () => new Date()): RoleDirectory {
  return new RoleDirectory({ db, settings: { ...NO_ROLES, ...settings }, groups, now, logger: pino({ level: 'silent' }) });
}
