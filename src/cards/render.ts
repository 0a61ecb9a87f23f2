import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ACData from 'adaptivecards-templating';

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

export function renderCard(name: string, data: object): CardJson {
  return new ACData.Template(loadTemplate(name)).expand({ $root: data }) as CardJson;
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
