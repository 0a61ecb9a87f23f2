import type { Logger } from 'pino';
import { ACTING_AGENCIES, GRANTABLE, type ActingAgency, type Grantable, type Person, type Role, type RoleSource, type Rosters } from '../domain/access';
import type { GroupMembership } from '../graph/groups';
import type { Queryable } from '../store/db';
import type { ChannelStanding } from '../store/channels';
import { AccessCache } from './accessCache';

/**
 * Where roles come from, in order: configuration (Entra object ids), Entra security groups checked
 * through Graph, and grants made in Teams by the missing team. Never the team or channel a person is in.
 */

export interface RoleSettings {
  /** MISSING_TEAM_USER_IDS, CHAIR_USER_IDS, MANAGER_USER_IDS. */
  users: Record<Role, readonly string[]>;
  /** MISSING_TEAM_GROUP_ID, CHAIR_GROUP_ID, MANAGER_GROUP_ID and AGENCY_GROUP_IDS. */
  groups: Partial<Record<Grantable, string>>;
  /** How long a Graph answer about one person is trusted. */
  cacheMs: number;
}

/** At most this many people's group answers are kept; the oldest go first. */
const MAX_CACHED_PEOPLE = 5_000;

export class RoleDirectory {
  private readonly cache = new Map<string, { groups: Set<string>; until: number }>();

  constructor(
    private readonly deps: {
      db: Queryable;
      settings: RoleSettings;
      /** Null when no group is configured (or Graph is not set up): groups then grant nothing. */
      groups: GroupMembership | null;
      now: () => Date;
      logger: Logger;
      /** Grants and channel standings kept while changes are heard; without it every question reads the database. */
      access?: AccessCache;
    },
  ) {
    this.access = deps.access ?? new AccessCache();
  }

  private readonly access: AccessCache;

  get settings(): RoleSettings {
    return this.deps.settings;
  }

  /** Someone can hold the missing team role: configured by id or group, or granted in Teams. */
  async missingTeamKnown(): Promise<boolean> {
    const { users, groups } = this.deps.settings;
    return users['missing-team'].length > 0 || Boolean(groups['missing-team']) || (await this.access.grantedRoles(this.deps.db)).has('missing-team');
  }

  /** Everything a person holds, and from where. A failed group check leaves those roles unverified. */
  async person(user: { id?: string | null; name?: string | null }): Promise<Person> {
    const id = user.id ?? '';
    const name = user.name ?? 'Someone';
    const held = new Map<Grantable, RoleSource[]>();
    const add = (role: Grantable, source: RoleSource) => held.set(role, [...(held.get(role) ?? []), source]);
    const unverified = new Set<Grantable>();
    if (!id) return { id, name, holds: held, unverified };

    for (const [role, ids] of Object.entries(this.deps.settings.users) as [Role, readonly string[]][]) if (ids.includes(id)) add(role, 'configuration');
    const configured = Object.entries(this.deps.settings.groups).filter((entry): entry is [Grantable, string] => Boolean(entry[1]));
    if (configured.length > 0) {
      const groups = await this.groupsOf(id, configured.map(([, group]) => group));
      for (const [role, group] of configured) {
        if (groups === null) unverified.add(role);
        else if (groups.has(group)) add(role, 'entra-group');
      }
    }
    for (const role of await this.access.rolesOf(this.deps.db, id)) add(role, 'grant');
    for (const role of held.keys()) unverified.delete(role);
    return { id, name, holds: held, unverified };
  }

  /** Which agencies have a roster now: an Entra group, or anyone granted the agency. */
  async rosters(): Promise<Rosters> {
    const granted = await this.access.grantedRoles(this.deps.db);
    const withRoster = new Set<ActingAgency>(ACTING_AGENCIES.filter((agency) => this.deps.settings.groups[agency] || granted.has(agency)));
    return { hasRoster: (agency) => withRoster.has(agency) };
  }

  /** A channel's agency, display level and standing, by its conversation; undefined for one never seen. */
  standingOf(conversationId: string): Promise<ChannelStanding | undefined> {
    return this.access.standingOf(this.deps.db, conversationId);
  }

  /** Forgets cached group answers, and every grant and standing kept (a change forgets those itself). */
  forget(userId?: string): void {
    if (userId) this.cache.delete(userId);
    else this.cache.clear();
    this.access.forget();
  }

  /** The configured groups this person is in, cached for a few minutes; null when Graph could not say. */
  private async groupsOf(userId: string, groupIds: string[]): Promise<Set<string> | null> {
    const now = this.deps.now().getTime();
    const cached = this.cache.get(userId);
    if (cached && cached.until > now) return cached.groups;
    if (!this.deps.groups) return null;
    try {
      const groups = await this.deps.groups.memberOf(userId, groupIds);
      this.cache.delete(userId);
      this.cache.set(userId, { groups, until: now + this.deps.settings.cacheMs });
      if (this.cache.size > MAX_CACHED_PEOPLE) this.cache.delete(this.cache.keys().next().value!);
      return groups;
    } catch (error) {
      this.deps.logger.warn({ user: userId, error: (error as Error).message }, 'could not check Entra group membership; roles from groups refused');
      return null;
    }
  }
}

export const isGrantable = (word: string | undefined): word is Grantable => GRANTABLE.includes(word as Grantable);
