import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CARD_ACTIONS as ACTIONS } from '../../src/conversation/router';
import { reportMissing } from '../../src/recording/service';
import { startTestApp } from '../support/app';
import { COORDINATOR, executeAction, POLICE_OFFICER, postActivity, startConnector, type ConnectorStub } from '../support/connector';
import { linkTestChannel } from '../support/channels';
import { refusalsShown } from '../support/cards';
import { at } from '../support/fixtures';
import { context, report } from '../support/recording';

const NOW = at('2026-06-09T08:00:00Z');
const POLICE = '19:police@thread.tacv2';
const VERBS = Object.keys(ACTIONS);
const VALID = { kind: 'daily_list', listDate: '2026-06-09', page: 0, childRef: 'TEST-0001', noteText: 'Seen', episodeId: '' };

/** A value of a type no field of a valid payload has at that place. */
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  // Not an integer: a whole number is a valid page.
  fc.double().filter((value) => !Number.isInteger(value)),
);

describe('random and mutated invoke payloads at /api/messages (fast-check)', function () {
  this.timeout(120_000);
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let connector: ConnectorStub;
  const state = async () =>
    (
      await app.db.query<{ state: string }>(
        `select (select count(*) from acknowledgements) || '/' || (select count(*) from agency_notes) || '/' || (select count(*) from episodes) || '/' || (select count(*) from episode_history) || '/' || (select count(*) from return_interviews) || '/' || (select count(*) from huddles) || '/' || (select count(*) from huddle_decisions) || '/' || (select count(*) from huddle_actions) as state`,
      )
    )[0]!.state;
  const send = (activity: object) => postActivity(app.url, activity);

  before(async () => {
    connector = await startConnector();
    connector.respond = (call) => (call.method === 'GET' ? { status: 404, body: {} } : { status: 201, body: { id: 'x' } });
    app = await startTestApp({ MISSING_TEAM_USER_IDS: COORDINATOR.aadObjectId, LOG_LEVEL: 'silent' }, () => NOW);
    const { value } = await app.db.transaction((tx) => reportMissing(tx, report({ policeRef: 'POL-FC1', reportedAt: at('2026-06-09T02:00:00Z') }), context({ now: NOW })));
    VALID.episodeId = value.id;
    await linkTestChannel(app.db, connector.url, POLICE, 'police');
  });
  after(async () => {
    await app.stop();
    await connector.close();
  });

  it('never answers 500 and changes nothing for arbitrary verbs and data', async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...VERBS), fc.string()), fc.anything(), fc.constantFrom(POLICE, '19:unlinked@thread.tacv2', undefined), fc.constantFrom(POLICE_OFFICER, COORDINATOR), async (verb, data, channel, from) => {
        const answer = await send(executeAction(connector.url, verb, data, { channel, from }));
        assert.notEqual(answer.status, 500, JSON.stringify({ verb, data }));
        assert.ok([200, 400, 403, 404].includes(answer.status), `status ${answer.status}`);
      }),
      { numRuns: 150 },
    );
    assert.equal(await state(), before);
  });

  it('never answers 500 and changes nothing when a field a verb reads has the wrong type', async () => {
    const list = ['kind', 'listDate', 'page'];
    const child = [...list, 'childRef'];
    const reads: Record<string, string[]> = {
      'list.page': list,
      'list.acknowledge': list,
      'child.acknowledge': child,
      'child.details': child,
      'child.note': [...child, 'noteText', 'noteCategory', 'noteRestricted'],
      'child.return': [...child, 'episodeId', 'returnedDate', 'returnedTime', 'safeAndWellCheck'],
      'child.safe': [...child, 'episodeId', 'safeAndWellCheck'],
      'child.update': [...child, 'episodeId', 'riskGrade', 'riskReason', 'lastSeen', 'concerns'],
      'child.rhi': [...child, 'episodeId', 'rhiStep', 'rhiDate', 'rhiTime', 'rhiBy', 'rhiProvider'],
      'child.told': [...child, 'episodeId', 'toldDate', 'toldTime'],
      'episode.report': ['childRef', 'kind', 'reportedDate', 'reportedTime', 'dateOfBirth', 'concerns'],
      'meeting.find': [...child, 'meetingId', 'meetingKind', 'attendees', 'duration', 'fromDate'],
      'meeting.book': [...child, 'meetingId', 'meetingKind', 'attendees', 'duration', 'fromDate', 'slot'],
      'meeting.cancel': [...child, 'meetingId', 'comment'],
      'decision.set': [...child, 'decisionText'],
      'action.add': [...child, 'actionWhat', 'actionOwner', 'actionPerson', 'actionDueDate', 'actionDueTime'],
      'action.close': [...child, 'actionId', 'actionOutcome', 'actionReason'],
      'action.change': [...child, 'actionId', 'actionWhat', 'actionOwner', 'actionPerson', 'actionDueDate', 'actionDueTime'],
      // No huddle is open in this test: each is refused for that, whatever else is wrong.
      'huddle.open': ['kind', 'listDate', 'page'],
      'huddle.show': ['listDate', 'index'],
      'huddle.save': ['listDate', 'index', 'childRef', 'decisionText', 'actionWhat', 'actionOwner', 'actionDueDate', 'actionDueTime'],
      'huddle.close': ['listDate', 'index'],
    };
    assert.deepEqual(Object.keys(reads).sort(), [...VERBS].sort(), 'every verb is covered');
    // Each form's entries are refused by one rule whichever single field is mutated (a return before the
    // report, an unknown concern, an RHI on an open episode, "told" for a child placed here by this
    // authority, a report of kind "daily_list"), so any change of state is a fault.
    const valid = {
      ...VALID,
      riskGrade: 'high',
      concerns: 'gangs',
      safeAndWellCheck: 'done',
      returnedDate: '2026-06-09',
      returnedTime: '02:00',
      rhiStep: 'offered',
      rhiDate: '2026-06-09',
      rhiTime: '08:00',
      toldDate: '2026-06-09',
      toldTime: '08:00',
      reportedDate: '2026-06-09',
      reportedTime: '08:00',
    };
    const before = await state();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...VERBS).chain((verb) => fc.tuple(fc.constant(verb), fc.constantFrom(...reads[verb]!))),
        wrongType,
        fc.constantFrom(POLICE, undefined),
        async ([verb, field], value, channel) => {
          const answer = await send(executeAction(connector.url, verb, { ...valid, [field]: value }, { channel, from: COORDINATOR }));
          // A form's own field of the wrong type comes back as the form with the reason beside it (200, nothing changed).
          const refusedForm = answer.status === 200 && refusalsShown(answer.body).length > 0;
          assert.ok([400, 403, 404].includes(answer.status) || refusedForm, `${verb} with ${field}=${JSON.stringify(value)} answered ${answer.status}`);
        },
      ),
      { numRuns: 200 },
    );
    assert.equal(await state(), before);
  });

  it('never answers 500 for activities with parts missing or of the wrong shape', async () => {
    const base = executeAction(connector.url, 'list.page', VALID, { channel: POLICE, from: POLICE_OFFICER }) as Record<string, unknown>;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('conversation', 'from', 'value', 'channelData', 'recipient', 'serviceUrl', 'type', 'name'), fc.oneof(fc.constant(undefined), wrongType), async (part, value) => {
        const activity = { ...base, [part]: value };
        const answer = await send(activity);
        assert.notEqual(answer.status, 500, JSON.stringify({ part, value }));
      }),
      { numRuns: 120 },
    );
  });
});
