-- The monthly figures and the weekly high-risk list are scheduled posts too, claimed once per
-- channel and period like the daily list: a post is now unique by channel, kind and period (its
-- list_date: the day for the daily list, the month's first day for the figures, the list day of the
-- week for the high-risk list).
alter table posted_cards drop constraint posted_cards_kind_check;
alter table posted_cards add constraint posted_cards_kind_check check (kind in ('daily_list', 'overdue', 'monthly_report', 'high_risk'));
drop index posted_cards_daily_once;
create unique index posted_cards_scheduled_once on posted_cards (channel_id, kind, list_date) where scheduled;
