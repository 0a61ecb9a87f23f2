import assert from 'node:assert/strict';
import { ListCardCache } from '../../src/lists/listCards';
import { reportMissing } from '../../src/recording/service';
import { bumpListVersion } from '../../src/store/postedCards';
import type { Audience } from '../../src/domain/access';
import { forEachDriver } from '../support/databases';
import { at, SETTINGS } from '../support/fixtures';
import { context, report } from '../support/recording';

const DATE = '2026-06-09';
const NOW = at('2026-06-09T08:00:00Z');
const POLICE: Audience = { agency: 'police', displayLevel: 'initials', private: false };
const request = (audience: Audience, now = NOW) => ({ kind: 'daily_list' as const, date: DATE, page: 0, audience, now });

forEachDriver('each audience’s list card drawn once for many copies', (db) => {
  beforeEach(async () => {
    await db().transaction((tx) => reportMissing(tx, report({ childRef: 'CACHE-1', policeRef: 'POL-CA1' }), context({ now: NOW })));
  });

  it('gives every copy with the same audience the one card, and each other audience its own', async () => {
    const cards = new ListCardCache();
    const first = await cards.card(db(), request(POLICE), SETTINGS);
    assert.equal(await cards.card(db(), request(POLICE), SETTINGS), first, 'a second Police channel gets the card already drawn');
    assert.notEqual(await cards.card(db(), request({ ...POLICE, displayLevel: 'full' }), SETTINGS), first, 'full names are another card');
    assert.notEqual(await cards.card(db(), request({ ...POLICE, agency: 'health' }), SETTINGS), first, 'Health sees its own actions');
  });

  it('draws again once the list version moves on, and the new card shows the change', async () => {
    const cards = new ListCardCache();
    const before = JSON.stringify(await cards.card(db(), request(POLICE), SETTINGS));
    await db().transaction((tx) => reportMissing(tx, report({ childRef: 'CACHE-2', policeRef: 'POL-CA2', reportedAt: at('2026-06-09T07:00:00Z') }), context({ now: NOW })));
    assert.equal(JSON.stringify(await cards.card(db(), request(POLICE), SETTINGS)), before, 'unchanged until the change is announced by the version');
    await bumpListVersion(db(), DATE);
    const after = JSON.stringify(await cards.card(db(), request(POLICE), SETTINGS));
    assert.ok(!before.includes('CACHE-2') && after.includes('CACHE-2'), 'the child reported since is on the card drawn after the version moved');
  });

  it('draws again in the next minute, so "missing 20 h" stays true', async () => {
    const cards = new ListCardCache();
    const first = await cards.card(db(), request(POLICE), SETTINGS);
    assert.equal(await cards.card(db(), request(POLICE, new Date(NOW.getTime() + 59_000)), SETTINGS), first);
    assert.notEqual(await cards.card(db(), request(POLICE, new Date(NOW.getTime() + 60_000)), SETTINGS), first);
  });
});
