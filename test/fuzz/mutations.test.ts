import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reportMissing, recordReturn } from '../../src/recording/service';
import { API_KEY, call, startTestApp } from '../support/app';
import { linkTestChannel } from '../support/channels';
import { refusalsShown } from '../support/cards';
import { COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, teamsMessage, type ConnectorStub } from '../support/connector';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

/**
 * Schema-valid requests with one field mutated (issue 8): a valid request is generated first, then
 * one of its fields is replaced by something hostile. Whatever comes back, it is never a 5xx, and a
 * refusal changes nothing. `npm test` runs a few hundred; `npm run bench:fuzz` runs 10,000 of each.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const NOW = at('2026-06-09T08:00:00Z');
const DATE = '2026-06-09';
const POLICE = '19:police@thread.tacv2';

/** What a hostile client puts in a field. */
const hostile = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(''),
  fc.constant('\u0000'),
  fc.constant('0001-01-01T00:00:00Z'),
  fc.constant('9999-12-31'),
  fc.constant('2099-01-01'),
  fc.constant('25:99'),
  fc.constant('{"$ne":null}'),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 1000, maxLength: 5000 }),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

/** Replaces (or removes) the field at `path` in a copy of `value`. */
function mutate(value: Record<string, unknown>, path: string[], replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let target: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
  const last = path.at(-1)!;
  if (replacement === undefined) delete target[last];
  else target[last] = replacement;
  return copy;
}

/** Every path to a leaf of a JSON object. */
function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([key, item]) => leaves(item, [...prefix, key]));
  return [prefix];
}

const validChild = fc.record({
  ref: fc.stringMatching(/^FZ-[A-Z0-9]{1,8}$/),
  givenName: fc.constantFrom('Kit', 'Ada', 'Sam'),
  familyName: fc.constantFrom('Example', 'Sample'),
  dateOfBirth: fc.constantFrom('2010-01-02', '2012-07-30', null),
  lookedAfter: fc.boolean(),
});
const validReport = fc
  .record({
    child: validChild,
    kindOf: fc.constantFrom('missing_from_home', 'missing_from_care', 'away_without_authorisation'),
    reportedAt: fc.integer({ min: 1, max: 30 * 24 }).map((hours) => new Date(NOW.getTime() - hours * 3_600_000).toISOString()),
    riskGrade: fc.constantFrom('no_apparent_risk', 'low', 'medium', 'high'),
    policeRef: fc.stringMatching(/^POL-[A-Z0-9]{1,10}$/),
    exploitationConcerns: fc.subarray(['cse', 'cce', 'county_lines']),
  })
  .map(({ kindOf, ...rest }) => ({ ...rest, kind: rest.child.lookedAfter ? kindOf : 'missing_from_home' }));

describe('schema-valid requests with one field mutated (fast-check)', function () {
  this.timeout(600_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  let openEpisode: string;
  let returnedEpisode: string;
  const state = async () =>
    (
      await app.db.query<{ state: string }>(
        `select concat_ws('/', (select count(*) from children), (select count(*) from episodes), (select count(*) from episode_history), (select count(*) from return_interviews),
           (select count(*) from return_interview_episodes), (select count(*) from acknowledgements), (select count(*) from agency_notes), (select count(*) from role_grants),
           (select coalesce(max(updated_at)::text, '') from episodes)) as state`,
      )
    )[0]!.state;

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: call.method === 'PUT' ? 200 : 201, body: { id: `posted-${connector.calls.length}` } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId, LOG_LEVEL: 'silent' }, () => NOW);
    openEpisode = (await app.db.transaction((tx) => reportMissing(tx, report({ policeRef: 'POL-FZ1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })))).value.id;
    const back = (await app.db.transaction((tx) => reportMissing(tx, report({ childRef: 'TEST-0002', policeRef: 'POL-FZ2', reportedAt: at('2026-06-08T02:00:00Z') }), context({ now: NOW })))).value;
    returnedEpisode = (await app.db.transaction((tx) => recordReturn(tx, back.id, { returnedAt: at('2026-06-08T10:00:00Z'), safeAndWellCheck: null }, context({ now: NOW })))).id;
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
    await app.poster.runOnce();
    await postActivity(app.url, teamsMessage(connector.url, 'list', { from: COORDINATOR }));
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });

  /** Sends one request; a 5xx fails the property, and a refusal must leave the state as it was. */
  async function check(send: () => Promise<{ status: number; refused: boolean }>, what: () => string): Promise<void> {
    const before = await state();
    const { status, refused } = await send();
    assert.ok(status < 500, `${status} for ${what()}`);
    if (refused) assert.equal(await state(), before, `a refusal changed the state: ${what()}`);
  }

  it('the recording API: no 5xx, and a refusal changes nothing', async () => {
    const requests = fc.oneof(
      validReport.map((body) => ({ path: '/api/v1/episodes', method: 'POST', body: body as Record<string, unknown> })),
      fc.constant({ path: `/api/v1/episodes/${openEpisode}`, method: 'PATCH', body: { riskGrade: 'high', riskReason: 'Seen with an older male', lastSeen: 'Park', exploitationConcerns: ['cce'] } as Record<string, unknown> }),
      fc.constant({ path: `/api/v1/episodes/${openEpisode}/return`, method: 'POST', body: { returnedAt: '2026-06-09T07:00:00Z', safeAndWellCheck: 'done' } as Record<string, unknown> }),
      fc.constant({ path: '/api/v1/return-interviews', method: 'POST', body: { ref: 'RHI-FZ', episodeIds: [returnedEpisode], offeredAt: '2026-06-08T12:00:00Z' } as Record<string, unknown> }),
    );
    await fc.assert(
      fc.asyncProperty(
        requests.chain((request) => fc.tuple(fc.constant(request), fc.constantFrom(...leaves(request.body)), hostile)),
        async ([request, path, replacement]) => {
          const body = mutate(request.body, path, replacement);
          await check(
            async () => {
              const answer = await call(`${app.url}${request.path}`, { method: request.method, body, key: API_KEY });
              return { status: answer.status, refused: answer.status >= 400 };
            },
            () => JSON.stringify({ request: request.path, path, replacement }).slice(0, 500),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('card actions at the bot endpoint: no 5xx, and a refusal changes nothing', async () => {
    const target = { kind: 'daily_list', listDate: DATE, page: 0 };
    const child = { ...target, childRef: 'TEST-0001' };
    const actions: { verb: string; data: Record<string, unknown>; from: typeof COORDINATOR; channel?: string }[] = [
      { verb: 'list.page', data: target, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'list.acknowledge', data: target, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'child.acknowledge', data: child, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'child.details', data: child, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'child.note', data: { ...child, noteText: 'Seen at school', noteCategory: 'seen', noteRestricted: 'false' }, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'child.update', data: { ...child, episodeId: openEpisode, riskGrade: 'high', riskReason: 'Seen with an older male', lastSeen: 'Park', concerns: 'cce' }, from: COORDINATOR },
      { verb: 'child.safe', data: { ...child, episodeId: openEpisode, safeAndWellCheck: 'done' }, from: POLICE_OFFICER, channel: POLICE },
      { verb: 'child.told', data: { ...child, episodeId: openEpisode, toldDate: DATE, toldTime: '08:30' }, from: COORDINATOR },
      { verb: 'child.return', data: { ...child, episodeId: openEpisode, returnedDate: DATE, returnedTime: '08:30', safeAndWellCheck: 'done' }, from: COORDINATOR },
      { verb: 'child.rhi', data: { ...child, childRef: 'TEST-0002', episodeId: returnedEpisode, rhiStep: 'offered', rhiDate: DATE, rhiTime: '08:30', rhiBy: 'Worker' }, from: COORDINATOR },
      {
        verb: 'episode.report',
        data: { childRef: 'FZ-FORM', givenName: 'Kit', familyName: 'Example', dateOfBirth: '2012-01-02', kind: 'missing_from_home', lookedAfter: 'false', placingAuthority: '', reportedDate: DATE, reportedTime: '07:50', riskGrade: 'high', policeRef: 'POL-FORM', lastSeen: 'Station', concerns: 'cce' },
        from: COORDINATOR,
      },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...actions).chain((action) => fc.tuple(fc.constant(action), fc.constantFrom(...leaves(action.data)), hostile)),
        async ([action, path, replacement]) => {
          const data = mutate(action.data, path, replacement);
          await check(
            async () => {
              const answer = await postActivity(app.url, executeAction(connector.url, action.verb, data, { channel: action.channel, from: action.from }));
              await app.refresher.idle();
              const status = answer.status === 200 && answer.body?.statusCode ? answer.body.statusCode : answer.status;
              // A refused form answers 200 with itself and the reasons: a refusal all the same.
              return { status, refused: status >= 400 || refusalsShown(answer.body?.value).length > 0 };
            },
            () => JSON.stringify({ verb: action.verb, path, replacement }).slice(0, 500),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
