-- Strategy and intervention meetings booked from the card: the trigger each answers (one booked meeting
-- per child and trigger), who is invited, who booked it, and the Graph event (when a calendar was used).
alter table strategy_meetings drop constraint strategy_meetings_kind_check;
alter table strategy_meetings add constraint strategy_meetings_kind_check check (kind in ('strategy_discussion', 'strategy', 'stage_1', 'stage_2'));
alter table strategy_meetings add column trigger_key text not null check (length(trigger_key) <= 80);
alter table strategy_meetings add column attendees text[] not null default '{}' check (cardinality(attendees) <= 20);
-- Every trigger due when it was booked: one meeting answers them all.
alter table strategy_meetings add column answers text[] not null default '{}' check (cardinality(answers) <= 10);
alter table strategy_meetings add column booked_by text not null;
alter table strategy_meetings add column booked_by_name text;
-- Derived from (child, trigger, slot): a retried booking finds its meeting (and Graph its event) again.
alter table strategy_meetings add column transaction_id text not null unique;
alter table strategy_meetings add column invitation_sent boolean not null default false;
alter table strategy_meetings add column cancel_comment text check (length(cancel_comment) <= 500);
create unique index strategy_meetings_one_per_trigger on strategy_meetings (child_id, trigger_key) where status = 'booked';
create index strategy_meetings_coming on strategy_meetings (starts_at) where status = 'booked';
-- The allocated social worker, invited to the child's meetings (given by the case system, optional).
alter table children add column social_worker_email text check (length(social_worker_email) <= 254);
-- Every list build reads the shown children's meetings: by child, not across every meeting ever booked.
create index strategy_meetings_child on strategy_meetings (child_id, starts_at desc);
