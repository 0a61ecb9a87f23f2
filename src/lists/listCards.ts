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
