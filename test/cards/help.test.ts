import assert from 'node:assert/strict';
import { COMMANDS } from '../../src/conversation/commands';
import { renderHelpCard } from '../../src/cards/render';
import { cardProblems } from '../support/cards';

describe('the help card', () => {
  for (const where of ['personal', 'channel'] as const) {
    it(`validates with the official parser and binds every expression (${where})`, () => {
      const card = renderHelpCard(COMMANDS, where);
      assert.deepEqual(cardProblems(card), []);
      assert.equal(card.version, '1.5');
    });
  }

  it('lists every command the bot answers', () => {
    const facts = JSON.stringify(renderHelpCard(COMMANDS, 'personal'));
    for (const command of COMMANDS) assert.ok(facts.includes(`"title":"${command.usage}"`), command.usage);
  });

  it('is caught by the validator when an element is unknown or an expression unbound', () => {
    assert.match(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'FooBar' }] }).join(), /Unknown element type/);
    assert.match(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: '${missing}' }] }).join(), /unbound/);
  });
});
