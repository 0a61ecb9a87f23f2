import type { Grantable } from '../domain/access';
import type { Queryable } from './db';

/** Roles granted in Teams (`grant @person chair`), by Entra object id. */

export interface RoleGrant {
  userId: string;
  userName: string | null;
  role: Grantable;
  grantedBy: string;
  grantedAt: Date;
}

const toGrant = (row: Record<string, unknown>): RoleGrant => ({
  userId: row.user_id as string,
  userName: (row.user_name as string | null) ?? null,
  role: row.role as Grantable,
  grantedBy: row.granted_by as string,
  grantedAt: new Date(row.granted_at as Date),
});

/** Grants a role; answers false when it was held already (nothing changes). */
export async function grantRole(db: Queryable, grant: RoleGrant): Promise<boolean> {
  const rows = await db.query(
    `insert into role_grants (user_id, role, user_name, granted_by, granted_at) values ($1, $2, $3, $4, $5)
     on conflict (user_id, role) do nothing returning user_id`,
    [grant.userId, grant.role, grant.userName, grant.grantedBy, grant.grantedAt],
  );
  return rows.length > 0;
}

/** Revokes a granted role; answers false when there was no such grant. */
export async function revokeRole(db: Queryable, userId: string, role: Grantable): Promise<boolean> {
  return (await db.query(`delete from role_grants where user_id = $1 and role = $2 returning user_id`, [userId, role])).length > 0;
}

export async function grantsOf(db: Queryable, userId: string): Promise<Grantable[]> {
  return (await db.query<{ role: Grantable }>(`select role from role_grants where user_id = $1`, [userId])).map((row) => row.role);
}

/** Every grant, by role then name (bounded: the `roles` answer shows at most `limit`). */
export async function allGrants(db: Queryable, limit = 500): Promise<RoleGrant[]> {
  return (await db.query(`select * from role_grants order by role, user_name nulls last, user_id limit $1`, [limit])).map(toGrant);
}

/** The roles that at least one person holds by grant (an agency with grants has a roster). */
export async function grantedRoles(db: Queryable): Promise<Set<Grantable>> {
  return new Set((await db.query<{ role: Grantable }>(`select distinct role from role_grants`)).map((row) => row.role));
}
