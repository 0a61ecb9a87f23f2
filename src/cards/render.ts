import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ACData from 'adaptivecards-templating';

/** Adaptive Card templates live in cards/ as JSON; these functions bind them to data. */

export const CARDS_DIR = join(__dirname, '..', '..', 'cards');

export type CardJson = Record<string, unknown>;

const templates = new Map<string, unknown>();

export function loadTemplate(name: string): unknown {
  let template = templates.get(name);
  if (!template) {
    template = JSON.parse(readFileSync(join(CARDS_DIR, `${name}.json`), 'utf8'));
    templates.set(name, template);
  }
  return template;
}

const compiled = new Map<string, ACData.Template>();

/**
 * The templating library, loaded at the first card drawn rather than with the service: it brings
 * adaptive-expressions and its parsers (about 0.18 s of every start, when nothing draws a card
 * before the service answers), and commands such as `npm run import` never draw one.
 */
let templating: typeof ACData | undefined;
const library = (): typeof ACData => (templating ??= require('adaptivecards-templating') as typeof ACData);

/**
 * Binds a template to data. The Template object is made once per card: making it parses the
 * template's expressions, which was most of a render (5.6 ms against 0.34 ms for the daily list,
 * measured ad hoc), and expanding it again gives the same card as a new one would.
 */
export function renderCard(name: string, data: object): CardJson {
  let template = compiled.get(name);
  if (!template) {
    template = new (library().Template)(loadTemplate(name));
    compiled.set(name, template);
  }
  return template.expand({ $root: data }) as CardJson;
}

export interface HelpCommand {
  usage: string;
  description: string;
}

export function renderHelpCard(commands: HelpCommand[], where: 'personal' | 'channel'): CardJson {
  return renderCard('help', {
    intro:
      'I keep the daily missing meeting in step: children missing from home or care now, who has come back, and the Return Home Interviews due within 72 hours of each return.',
    commands,
    whereToType:
      where === 'channel'
        ? 'In a channel, mention me first: @Missing Huddle help.'
        : 'Type a command here. In a team channel, mention me first: @Missing Huddle help.',
    privacy: 'Cards in channels show initials and case references, not names, unless the missing team allows names for that channel.',
  });
}
