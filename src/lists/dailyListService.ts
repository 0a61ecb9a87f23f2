import { subDays } from 'date-fns/subDays';
import { previousHuddleAt } from '../domain/calendar';
import { buildDailyList, listInstant, type DailyList, type ListSettings } from '../domain/dailyList';
import { DomainError } from '../domain/errors';
import type { Queryable } from '../store/db';
import { loadListRecords } from '../store/repositories';

/** Loads what the list for a local date needs and builds it. */
export async function loadDailyList(db: Queryable, date: string, now: Date, settings: ListSettings): Promise<DailyList> {
  const asOf = listInstant(date, now, settings);
  if (!asOf) throw new DomainError('validation', `There is no list for ${date} yet: it is in the future.`, [{ path: 'date', message: 'must not be after today' }]);
  const windowDays = Math.max(...settings.escalationRules.map((rule) => rule.windowDays));
  const since = previousHuddleAt(date, settings);
  const chaseFrom = subDays(asOf, settings.rhiChaseDays);
  const records = await loadListRecords(db, asOf, since < chaseFrom ? since : chaseFrom, subDays(asOf, windowDays));
  return buildDailyList(records, date, asOf, settings);
}
