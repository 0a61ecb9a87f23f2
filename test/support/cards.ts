/* The official Adaptive Cards parser; its lib/ build does not load under Node 20, the dist bundle does. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js');

/**
 * What the official parser says is wrong with a card (unknown elements, bad properties), plus any
 * template expression left unbound.
 */
export function cardProblems(card: object): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index++) problems.push(context.getEventAt(index).message);
  const unbound = JSON.stringify(card).match(/\$\{[^}]*\}/g);
  if (unbound) problems.push(`unbound template expressions: ${unbound.join(', ')}`);
  return problems;
}

/** The refusal sentences a card shows (a refused form comes back as itself, each problem in the attention colour). */
export function refusalsShown(card: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock' && element.color === 'Attention' && typeof element.text === 'string') found.push(element.text);
    Object.values(element).forEach(walk);
  };
  walk(card);
  return found;
}
