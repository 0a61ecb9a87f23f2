-- Posting cards into channels: which cards went where, and the claim that makes the daily post
-- happen once per channel per day across restarts and replicas.

alter table channels add column last_activity_at timestamptz;
alter table episodes add column placing_authority_notified_at timestamptz;

create table posted_cards (
  id uuid primary key,
  kind text not null check (kind in ('daily_list', 'overdue')),
  list_date date not null,
  -- Set for the scheduled daily post into a linked channel; null for on-demand posts.
  channel_id uuid references channels (id),
  scheduled boolean not null default false,
  conversation_id text not null,
  conversation_reference jsonb not null,
  display_level text not null check (display_level in ('initials', 'full')),
  status text not null check (status in ('claimed', 'sent', 'failed')),
  claimed_by text not null,
  claimed_at timestamptz not null,
  attempts int not null default 0,
  last_error text,
  activity_id text,
  sent_at timestamptz
);
create unique index posted_cards_daily_once on posted_cards (channel_id, list_date) where scheduled;
create index posted_cards_date on posted_cards (list_date, kind);
