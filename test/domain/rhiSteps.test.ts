import assert from 'node:assert/strict';
import { dateOfBirthProblem } from '../../src/domain/plausible';
import { nextRhiSteps, outcomeOnCompletion, rhiProblems, rhiStepChanges, type RhiStep } from '../../src/domain/rhi';
import { returnCorrectable } from '../../src/domain/episodes';
import type { ReturnInterview } from '../../src/domain/types';
import { at } from '../support/fixtures';

const BACK = at('2026-06-01T18:00:00Z');
const NOW = at('2026-06-03T12:00:00Z');
type Record = Pick<ReturnInterview, 'offeredAt' | 'outcome' | 'completedAt' | 'provider'>;
const NOTHING: Record = { offeredAt: null, outcome: null, completedAt: null, provider: null };

/** Applies steps as the card does: each step's changes, a completion's outcome, and the rules after each. */
function walk(steps: [RhiStep, string, ReturnInterview['provider']?][]): { record: Record; refusals: string[] } {
  let record = NOTHING;
  const refusals: string[] = [];
  for (const [step, time, provider] of steps) {
    if (!nextRhiSteps(record).includes(step)) {
      refusals.push(`${step} not offered next`);
      continue;
    }
    const changes = rhiStepChanges(step, at(time), 'Worker', provider ?? undefined);
    const next = { ...record, ...changes, ...(changes.completedAt ? { outcome: outcomeOnCompletion(record.outcome) } : {}) };
    const problems = rhiProblems(next, [BACK], NOW);
    if (problems.length > 0) refusals.push(...problems.map((problem) => problem.message));
    else record = next;
  }
  return { record, refusals };
}

describe('return home interview steps (the rules the card, the API and the import share)', () => {
  it('offers only "Offered" first: nothing else, and no invented offer for a completion', () => {
    assert.deepEqual(nextRhiSteps(undefined), ['offered']);
    assert.deepEqual(rhiStepChanges('completed', BACK, 'Worker', 'in_house'), { completedAt: BACK, completedBy: 'Worker', provider: 'in_house' });
    assert.deepEqual(rhiProblems({ ...NOTHING, completedAt: at('2026-06-02T10:00:00Z'), provider: 'in_house' }, [BACK], NOW), [
      { path: 'offeredAt', message: 'Record when the interview was offered first: it is offered before it is accepted, declined or done.' },
    ]);
  });

  it('records offered, no contact, tried again, then seen: the outcome ends accepted', () => {
    const { record, refusals } = walk([
      ['offered', '2026-06-02T09:00:00Z'],
      ['no_contact', '2026-06-02T17:00:00Z'],
      ['offered', '2026-06-03T09:00:00Z'],
      ['completed', '2026-06-03T11:00:00Z', 'commissioned'],
    ]);
    assert.deepEqual(refusals, []);
    assert.deepEqual(record, { offeredAt: at('2026-06-03T09:00:00Z'), outcome: 'accepted', completedAt: at('2026-06-03T11:00:00Z'), provider: 'commissioned', offeredBy: 'Worker', completedBy: 'Worker' });
    assert.deepEqual(nextRhiSteps(record), [], 'a completed interview is finished');
  });

  it('lets a child who declined change their mind', () => {
    const { record, refusals } = walk([
      ['offered', '2026-06-02T09:00:00Z'],
      ['declined', '2026-06-02T09:30:00Z'],
      ['completed', '2026-06-03T10:00:00Z', 'in_house'],
    ]);
    assert.deepEqual([refusals, record.outcome], [[], 'accepted']);
  });

  it('refuses a completion without a provider, in the future, before the return or before the offer', () => {
    const offered = { ...NOTHING, offeredAt: at('2026-06-02T09:00:00Z') };
    const messages = (record: Record) => rhiProblems(record, [BACK], NOW).map((problem) => `${problem.path}: ${problem.message}`);
    assert.deepEqual(messages({ ...offered, completedAt: at('2026-06-02T10:00:00Z') }), ['provider: Say who carried out the interview (the provider).']);
    assert.deepEqual(messages({ ...offered, completedAt: at('2026-06-04T10:00:00Z'), provider: 'in_house' }), ['completedAt: The interview time is in the future.']);
    assert.deepEqual(messages({ ...offered, completedAt: at('2026-06-02T08:00:00Z'), provider: 'in_house' }), ['completedAt: The interview time is before the interview was offered.']);
    assert.deepEqual(messages({ ...offered, offeredAt: at('2026-06-01T17:00:00Z') }), ['offeredAt: The offer time is before the child came back.']);
    assert.deepEqual(messages({ ...offered, outcome: 'no_contact', completedAt: at('2026-06-02T10:00:00Z'), provider: 'in_house' }), [
      'outcome: An interview recorded as no contact cannot also be completed.',
    ]);
  });

  it('allows a clock a few minutes ahead, not an hour', () => {
    const offered = { ...NOTHING, offeredAt: at('2026-06-02T09:00:00Z'), provider: 'in_house' as const };
    assert.deepEqual(rhiProblems({ ...offered, completedAt: at('2026-06-03T12:04:00Z') }, [BACK], NOW), []);
    assert.equal(rhiProblems({ ...offered, completedAt: at('2026-06-03T13:00:00Z') }, [BACK], NOW).length, 1);
  });
});

describe('implausible dates', () => {
  it('refuses a date of birth in the future or making the child older than 25', () => {
    assert.equal(dateOfBirthProblem('2029-01-01', '2026-12-01'), 'is in the future');
    assert.equal(dateOfBirthProblem('1950-06-01', '2026-12-01'), 'makes the child older than 25');
    assert.equal(dateOfBirthProblem('2011-05-01', '2026-12-01'), null);
  });

  it('lets a return be corrected from the card for 24 hours after it was recorded, not after', () => {
    assert.equal(returnCorrectable(at('2026-06-02T12:00:00Z'), NOW), true);
    assert.equal(returnCorrectable(at('2026-06-02T11:59:00Z'), NOW), false);
    assert.equal(returnCorrectable(null, NOW), false);
  });
});
