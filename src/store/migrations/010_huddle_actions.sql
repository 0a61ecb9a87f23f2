-- The huddle itself: opened from the day's list, closed when its minutes go out (once per day).
create table huddles (
  list_date date primary key,
  opened_by text not null,
  opened_by_name text check (length(opened_by_name) <= 120),
  opened_at timestamptz not null,
  closed_by text,
  closed_by_name text check (length(closed_by_name) <= 120),
  closed_at timestamptz
);

-- What the huddle decided about a child, one per child and huddle (changed in place, the change audited).
create table huddle_decisions (
  id uuid primary key,
  child_id uuid not null references children (id),
  list_date date not null,
  body text not null check (length(body) between 1 and 500),
  set_by text not null,
  set_by_name text check (length(set_by_name) <= 120),
  set_at timestamptz not null,
  unique (child_id, list_date)
);

-- What an agency (and, optionally, a person in it) will do about a child, by when; kept for good.
create table huddle_actions (
  id uuid primary key,
  child_id uuid not null references children (id),
  list_date date not null,
  what text not null check (length(what) between 1 and 200),
  owner_agency text not null references agencies (code) check (owner_agency <> 'management'),
  -- The person picked from the team's roster: their Entra object id, Teams id (for a personal chat) and name.
  owner_user_id text check (length(owner_user_id) <= 64),
  owner_teams_id text check (length(owner_teams_id) <= 200),
  owner_name text check (length(owner_name) <= 120),
  -- Where the person's personal chat is opened from (the Bot Connector's address and tenant of the team).
  owner_reference jsonb,
  due_at timestamptz not null,
  set_by text not null,
  set_by_name text check (length(set_by_name) <= 120),
  set_at timestamptz not null,
  status text not null default 'open' check (status in ('open', 'done', 'not_possible')),
  closed_reason text check (length(closed_reason) <= 500),
  closed_by text,
  closed_by_name text check (length(closed_by_name) <= 120),
  closed_at timestamptz,
  check ((status = 'open') = (closed_at is null)),
  check (status <> 'not_possible' or closed_reason is not null)
);
create index huddle_actions_child on huddle_actions (child_id, set_at desc);
-- The chaser reads open actions only, by due time.
create index huddle_actions_open on huddle_actions (due_at) where status = 'open';
create index huddle_actions_day on huddle_actions (list_date);

-- The minutes are a scheduled post like the daily list: claimed once per channel and huddle.
alter table posted_cards drop constraint posted_cards_kind_check;
alter table posted_cards add constraint posted_cards_kind_check check (kind in ('daily_list', 'overdue', 'monthly_report', 'high_risk', 'minutes'));

-- Every reminder, claimed by its key (what, which stage) before it is sent: nobody is told twice,
-- across restarts and replicas. A claim never confirmed (its sender died) is taken over when stale.
create table reminders (
  key text primary key check (length(key) <= 200),
  status text not null check (status in ('claimed', 'sent')),
  claimed_by text not null,
  claimed_at timestamptz not null,
  sent_at timestamptz,
  -- Where it went: 'person', 'channel' (the agency's), 'missing-team'.
  sent_to text
);
