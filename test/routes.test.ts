import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ROUTES } from '../src/api/routes';
import * as listCard from '../src/cards/dailyListCard';
import { CARDS_DIR } from '../src/cards/render';
import { API_SCOPES } from '../src/config';
import { CARD_ACTIONS as ACTIONS } from '../src/conversation/router';
import { COMMANDS } from '../src/conversation/commands';
import { ROLES, type Requirement } from '../src/domain/access';
import { CHILD_FORMS, REPORT_FORM } from '../src/lists/childForms';

/** Access is declared on every route: a route without a valid `requires` cannot pass. */

 /** The verbs the list card binds into `${verb}`. */
const CARD_VERBS = Object.fromEntries(Object.entries(listCard).filter(([name]) => name.endsWith('_VERB'))) as Record<string, string>;
const WHERE = ['everywhere', 'anywhere', 'channel', 'linked-channel', 'personal'];

function problemsOf(requirement: Requirement | undefined): string[] {
  if (!requirement || typeof requirement !== 'object') return ['no requires'];
  const { who } = requirement as { who: unknown };
  if (who === 'list-viewer') return [];
  if (who === 'agency') {
    const { power, orRoles } = requirement as { power: string; orRoles?: unknown };
    if (!['acknowledges', 'addsNotes', 'recordsReturns'].includes(power)) return ['agency without a power'];
    if (orRoles !== undefined && (!Array.isArray(orRoles) || !orRoles.every((role) => ROLES.includes(role)))) return [`orRoles is ${JSON.stringify(orRoles)}`];
    return [];
  }
  const where = (requirement as { where?: string }).where;
  if (!WHERE.includes(where ?? '')) return [`where is ${where}`];
  if (who === 'anyone') return [];
  if (!Array.isArray(who) || who.length === 0 || !who.every((role) => ROLES.includes(role))) return [`who is ${JSON.stringify(who)}`];
  return [];
}

/** Every `verb` in a card template, wherever it sits in the JSON. */
function verbsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => verbsIn(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'verb' && typeof value === 'string') found.add(value);
      else verbsIn(value, found);
    }
  }
  return found;
}

describe('routes declare what they require', () => {
  it('every command declares a valid requirement and the words its refusal uses', () => {
    for (const command of COMMANDS) {
      assert.deepEqual(problemsOf(command.requires), [], command.name);
      assert.ok(command.doing.length > 3, command.name);
    }
  });

  it('every card action declares a valid requirement, and whether its data names a posted card', () => {
    for (const [verb, action] of Object.entries(ACTIONS)) {
      assert.deepEqual(problemsOf(action.requires), [], verb);
      assert.equal(typeof action.namesPostedCard, 'boolean', verb);
    }
  });

  it('every API route declares the scope a key needs', () => {
    for (const route of API_ROUTES) assert.ok(API_SCOPES.includes(route.requires), `${route.method} ${route.path}`);
  });

  it('every verb in cards/*.json has a route in the action table', () => {
    const files = readdirSync(CARDS_DIR).filter((file) => file.endsWith('.json'));
    assert.ok(files.length >= 4);
    const verbs = new Set<string>();
    for (const file of files) verbsIn(JSON.parse(readFileSync(join(CARDS_DIR, file), 'utf8')), verbs);
    verbs.delete('${verb}'); // bound from the action constants, checked below through the rendered card
    assert.ok(verbs.size >= 2, [...verbs].join(', '));
    // Forms are drawn in code: their submit verbs, and the verb that opens them, are routes too.
    const formVerbs = [...Object.values(CHILD_FORMS).map((form) => form.submit.verb), REPORT_FORM.submit.verb];
    for (const verb of [...verbs, ...Object.values(CARD_VERBS), ...formVerbs]) assert.ok(Object.hasOwn(ACTIONS, verb), `${verb} is on a card but not in the action table`);
  });

  it('a requirement that is missing or malformed is caught by this check', () => {
    assert.deepEqual(problemsOf(undefined), ['no requires']);
    assert.deepEqual(problemsOf({ who: ['admin' as never], where: 'channel' }), ['who is ["admin"]']);
    assert.deepEqual(problemsOf({ who: 'anyone', where: 'somewhere' as never }), ['where is somewhere']);
  });
});
