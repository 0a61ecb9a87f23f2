import { renderListCard, type ListCardKind } from '../cards/dailyListCard';
import type { CardJson } from '../cards/render';
import { childIdsOn, type DailyList, type ListSettings } from '../domain/dailyList';
import { seesRestricted, type Audience } from '../domain/access';
import { acknowledgementsOn } from '../store/acknowledgements';
import { linkedAgencies } from '../store/channels';
import type { Queryable } from '../store/db';
import { notesFor } from '../store/notes';
import { actionsFor } from '../store/huddle';
import { atLocalTime } from '../domain/calendar';
import { loadDailyList } from './dailyListService';
import { listVersion } from '../store/postedCards';
import type { ListSnapshots, ReadOptions } from './listSnapshots';

export interface ListCardRequest {
  kind: ListCardKind;
  date: string;
  page: number;
  audience: Audience;
  now: Date;
  /** The day's list when the caller has already loaded it (its episodes, not acknowledgements or notes). */
  list?: DailyList;
  /** A confirmation for the person who acted. */
  notice?: string;
}

/** The daily list or overdue-RHI card for a day, as one conversation may see it. */
export async function listCard(db: Queryable, request: ListCardRequest, settings: ListSettings): Promise<CardJson> {
  const [list, agencies, acknowledgements] = await Promise.all([
    request.list ?? loadDailyList(db, request.date, request.now, settings),
    linkedAgencies(db),
    acknowledgementsOn(db, request.date),
  ]);
  const childIds = childIdsOn(list);
  const [notes, actions] = await Promise.all([
    notesFor(db, childIds, seesRestricted(request.audience)),
    // Open actions, and those closed on the card's day: the card says what was done as well as what is left.
    actionsFor(db, childIds, atLocalTime(request.date, '00:00', settings.timeZone)),
  ]);
  return renderListCard(list, {
    kind: request.kind,
    page: request.page,
    displayLevel: request.audience.displayLevel,
    timeZone: settings.timeZone,
    agencies,
    acknowledgements,
    notes,
    actions,
    audience: { agency: request.audience.agency },
    notice: request.notice,
  });
}

/** Cards of one list version kept at most: kinds × pages × agencies × display levels in use. */
const CARDS_KEPT = 256;

/**
 * The day's list card as each audience sees it, drawn once per list version and minute and shared
 * by every copy that audience has: a fan-out to a thousand channels, or a refresh of a thousand
 * copies, draws a card for each agency and display level rather than for each channel. Every
 * change that shows on the card moves the version on (as `ListSnapshots` relies on), and the
 * minute keeps "missing 20 h" true, so a card taken from here is the one `listCard` would draw now.
 * A card with a notice for one person is never kept.
 */
export class ListCardCache {
  private stamp = '';
  private readonly cards = new Map<string, Promise<CardJson>>();

  /** `lists`: where a card drawn here takes the day's list from, when the caller has not loaded it. */
  constructor(private readonly lists?: ListSnapshots) {}

  async card(db: Queryable, request: Omit<ListCardRequest, 'notice'>, settings: ListSettings, options: ReadOptions = {}): Promise<CardJson> {
    const version = this.lists ? await this.lists.version(db, request.date, options) : await listVersion(db, request.date);
    const stamp = `${request.date}|${version}|${Math.floor(request.now.getTime() / 60_000)}`;
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.cards.clear();
    }
    const { kind, page, audience } = request;
    const key = `${kind}|${page}|${audience.agency}|${audience.displayLevel}|${audience.private}`;
    const kept = this.cards.get(key);
    if (kept) return kept;
    const card = (async () => listCard(db, { ...request, list: request.list ?? (await this.lists?.get(db, request.date, request.now, settings, options)) }, settings))();
    if (this.cards.size >= CARDS_KEPT) this.cards.delete(this.cards.keys().next().value!);
    this.cards.set(key, card);
    // A failed draw is not kept: the next copy tries again.
    card.catch(() => {
      if (this.cards.get(key) === card) this.cards.delete(key);
    });
    return card;
  }
}
