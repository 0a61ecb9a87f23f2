import assert from 'node:assert/strict';
import { AGENCY_POWERS, audienceAt, decide, seesRestricted, type Grantable, type Person, type Place, type Requirement, type RoleSource, type Rosters } from '../../src/domain/access';
import { AGENCIES } from '../../src/domain/types';

/** A person holding these roles by grant, and these only unverified (their group could not be checked). */
const personHolding = (id: string, name: string, held: Grantable[] = [], unverified: Grantable[] = []): Person => ({
  id,
  name,
  holds: new Map(held.map((role) => [role, ['grant'] as RoleSource[]])),
  unverified: new Set(unverified),
});

const NONE: Rosters = { hasRoster: () => false };
const POLICE_ROSTER: Rosters = { hasRoster: (agency) => agency === 'police' };
const police: Place = { kind: 'channel', agency: 'police', displayLevel: 'initials' };
const unlinked: Place = { kind: 'channel', agency: null, displayLevel: 'initials' };
const personal: Place = { kind: 'personal' };
const coordinator = personHolding('c', 'Morgan Coordinator', ['missing-team']);
const officer = personHolding('p', 'Pat Police', ['police']);
const teacher = personHolding('t', 'Sam School');

const reasonOf = (decision: ReturnType<typeof decide>) => (decision.allowed ? 'allowed' : decision.reason);

describe('who may do what (the pure decision)', () => {
  it('never lets the place stand in for a role', () => {
    const link: Requirement = { who: ['missing-team'], where: 'channel' };
    assert.equal(reasonOf(decide(teacher, { kind: 'channel', agency: 'missing-team', displayLevel: 'full' }, link, NONE, 'link a channel')), 'role-not-held');
    assert.equal(reasonOf(decide(coordinator, police, link, NONE, 'link a channel')), 'allowed');
  });

  it('refuses every conversation it does not know, whoever asks, except for help', () => {
    for (const why of ['never-seen', 'inactive', 'group-chat', 'other'] as const) {
      const place: Place = { kind: 'unknown', why };
      for (const requirement of [{ who: 'list-viewer' }, { who: ['missing-team'], where: 'anywhere' }, { who: 'agency', power: 'addsNotes' }, { who: 'anyone', where: 'anywhere' }] as Requirement[]) {
        assert.equal(reasonOf(decide(coordinator, place, requirement, NONE, 'x')), 'unknown-conversation', `${why} ${JSON.stringify(requirement)}`);
      }
      assert.equal(reasonOf(decide(teacher, place, { who: 'anyone', where: 'everywhere' }, NONE, 'see help')), 'allowed');
    }
  });

  it('shows the list in a linked channel to whoever is there, and in personal chat to the missing team only', () => {
    const list: Requirement = { who: 'list-viewer' };
    assert.equal(reasonOf(decide(teacher, police, list, NONE, 'see the list')), 'allowed');
    assert.equal(reasonOf(decide(teacher, unlinked, list, NONE, 'see the list')), 'needs-linked-channel');
    assert.equal(reasonOf(decide(teacher, personal, list, NONE, 'see the list')), 'role-not-held');
    assert.equal(reasonOf(decide(coordinator, personal, list, NONE, 'see the list')), 'allowed');
  });

  it('keeps disclosures to personal chat', () => {
    const history: Requirement = { who: ['missing-team'], where: 'personal' };
    assert.equal(reasonOf(decide(coordinator, police, history, NONE, "see a child's history")), 'needs-personal-chat');
    assert.equal(reasonOf(decide(coordinator, personal, history, NONE, "see a child's history")), 'allowed');
  });

  it('lets the channel decide who acts for an agency without a roster, and only the roster once it has one', () => {
    const ack: Requirement = { who: 'agency', power: 'acknowledges' };
    assert.equal(reasonOf(decide(teacher, police, ack, NONE, 'acknowledge')), 'allowed');
    assert.equal(reasonOf(decide(teacher, police, ack, POLICE_ROSTER, 'acknowledge')), 'not-on-roster');
    assert.equal(reasonOf(decide(coordinator, police, ack, POLICE_ROSTER, 'acknowledge')), 'not-on-roster', 'the missing team is not the police');
    assert.equal(reasonOf(decide(officer, police, ack, POLICE_ROSTER, 'acknowledge')), 'allowed');
    assert.equal(reasonOf(decide(officer, { kind: 'channel', agency: 'education', displayLevel: 'initials' }, ack, POLICE_ROSTER, 'acknowledge')), 'allowed', 'education has no roster: its channel decides');
  });

  it('reads what each agency may do from one table', () => {
    const ack: Requirement = { who: 'agency', power: 'acknowledges' };
    const note: Requirement = { who: 'agency', power: 'addsNotes' };
    for (const agency of AGENCIES) {
      const place: Place = { kind: 'channel', agency, displayLevel: 'initials' };
      const anyone = personHolding('x', 'X', ['missing-team', 'manager']);
      assert.equal(decide(anyone, place, ack, NONE, 'acknowledge').allowed, AGENCY_POWERS[agency].acknowledges, agency);
      assert.equal(decide(anyone, place, note, NONE, 'add information').allowed, AGENCY_POWERS[agency].addsNotes, agency);
    }
    assert.equal(reasonOf(decide(teacher, { kind: 'channel', agency: 'missing-team', displayLevel: 'full' }, note, NONE, 'add information')), 'role-not-held', "the missing team's channel is the missing team's");
    assert.equal(reasonOf(decide(coordinator, personal, note, NONE, 'add information')), 'allowed');
    assert.equal(reasonOf(decide(coordinator, personal, ack, NONE, 'acknowledge')), 'agency-does-not-act');
  });

  it('refuses, never grants, a role it could not check, and says so', () => {
    const unchecked = personHolding('u', 'Una Unchecked', [], ['missing-team', 'police']);
    const decision = decide(unchecked, police, { who: ['missing-team'], where: 'channel' }, NONE, 'link a channel');
    assert.equal(reasonOf(decision), 'roles-unverified');
    assert.match((decision as { message: string }).message, /could not check your roles with Microsoft Entra just now/);
    assert.equal(reasonOf(decide(unchecked, police, { who: 'agency', power: 'acknowledges' }, POLICE_ROSTER, 'acknowledge')), 'roles-unverified');
  });

  it('refuses someone Teams did not identify', () => {
    assert.equal(reasonOf(decide(personHolding('', 'Someone'), police, { who: ['missing-team'], where: 'channel' }, NONE, 'link a channel')), 'no-identity');
  });

  it('shows restricted notes only in the missing team’s private view', () => {
    assert.equal(seesRestricted(audienceAt(coordinator, personal)!), true);
    assert.equal(seesRestricted(audienceAt(coordinator, { kind: 'channel', agency: 'missing-team', displayLevel: 'full' })!), false, 'a channel card is seen by the whole team');
    assert.equal(audienceAt(teacher, personal), null);
  });
});
