import assert from 'node:assert/strict';
import { subDays } from 'date-fns';
import { CUMBRIA_RULES, THREE_IN_THIRTY_RULES, escalationFor, meetingReasons } from '../../src/domain/escalation';
import { at } from '../support/fixtures';

const NOW = at('2026-06-15T09:00:00Z');
const daysAgo = (...days: number[]) => days.map((day) => ({ reportedAt: subDays(NOW, day) }));

describe('escalation from repeat episodes', () => {
  it('reaches Cumbria stage 1 at the 5th episode in a rolling 90 days, not the 4th', () => {
    assert.equal(escalationFor(daysAgo(1, 10, 20, 30), NOW, CUMBRIA_RULES).rule, null);
    const five = escalationFor(daysAgo(1, 10, 20, 30, 40), NOW, CUMBRIA_RULES);
    assert.equal(five.rule?.stage, 1);
    assert.equal(five.episodesInWindow, 5);
  });

  it('reaches stage 2 at the 9th episode', () => {
    const result = escalationFor(daysAgo(1, 5, 10, 20, 30, 40, 50, 60, 70), NOW, CUMBRIA_RULES);
    assert.equal(result.rule?.stage, 2);
    assert.equal(result.rule?.label, 'Stage 2 intervention meeting');
  });

  it('drops an episode from the window exactly 90 days after it started', () => {
    const fifthOnEdge = daysAgo(1, 10, 20, 30, 90);
    assert.equal(escalationFor(fifthOnEdge, NOW, CUMBRIA_RULES).rule, null);
    const fifthJustInside = [...daysAgo(1, 10, 20, 30), { reportedAt: new Date(subDays(NOW, 90).getTime() + 1) }];
    assert.equal(escalationFor(fifthJustInside, NOW, CUMBRIA_RULES).rule?.stage, 1);
  });

  it('ignores episodes reported after the moment asked about', () => {
    const future = [...daysAgo(1, 10, 20, 30), { reportedAt: new Date(NOW.getTime() + 60_000) }];
    assert.equal(escalationFor(future, NOW, CUMBRIA_RULES).episodesInWindow, 4);
  });

  it('offers the "3 in 30 days" strategy-meeting rule', () => {
    assert.equal(escalationFor(daysAgo(1, 15, 29), NOW, THREE_IN_THIRTY_RULES).rule?.label, 'Strategy meeting');
    assert.equal(escalationFor(daysAgo(1, 15, 31), NOW, THREE_IN_THIRTY_RULES).rule, null);
  });

  it('prompts a meeting for high risk or an exploitation concern even without repeats', () => {
    const none = escalationFor([], NOW, CUMBRIA_RULES);
    assert.deepEqual(meetingReasons(none, { riskGrade: 'medium', exploitationConcerns: [] }), []);
    assert.deepEqual(meetingReasons(none, { riskGrade: 'high', exploitationConcerns: ['cce'] }), ['high_risk', 'exploitation']);
    const repeat = escalationFor(daysAgo(1, 2, 3, 4, 5), NOW, CUMBRIA_RULES);
    assert.deepEqual(meetingReasons(repeat, { riskGrade: 'low', exploitationConcerns: [] }), ['repeat_missing']);
  });
});
