import { renderListCard, type DisplayLevel, type ListCardKind } from '../cards/dailyListCard';
import type { CardJson } from '../cards/render';
import type { ListSettings } from '../domain/dailyList';
import { linkedAgencies, listAcknowledgements } from '../store/channels';
import type { Queryable } from '../store/db';
import { loadDailyList } from './dailyListService';

export interface ListCardRequest {
  kind: ListCardKind;
  date: string;
  page: number;
  displayLevel: DisplayLevel;
  now: Date;
}

/** The daily list or overdue-RHI card for a day, as one conversation may see it. */
export async function listCard(db: Queryable, request: ListCardRequest, settings: ListSettings): Promise<CardJson> {
  const [list, agencies, acknowledgements] = await Promise.all([
    loadDailyList(db, request.date, request.now, settings),
    linkedAgencies(db),
    listAcknowledgements(db, request.date),
  ]);
  return renderListCard(list, { kind: request.kind, page: request.page, displayLevel: request.displayLevel, timeZone: settings.timeZone, agencies, acknowledgements });
}
