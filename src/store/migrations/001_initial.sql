-- The first schema. Times are timestamptz (UTC instants); the display zone is configuration.

create table agencies (
  code text primary key,
  name text not null
);

insert into agencies (code, name) values
  ('police', 'Police'),
  ('health', 'Health'),
  ('education', 'Education'),
  ('social-care', 'Social care'),
  ('youth-justice', 'Youth justice'),
  ('missing-team', 'Missing team'),
  ('management', 'Management');

create table children (
  id uuid primary key,
  ref text not null unique,
  given_name text,
  family_name text,
  date_of_birth date,
  looked_after boolean not null default false,
  placing_authority text,
  placement_in_area boolean,
  school text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table episodes (
  id uuid primary key,
  child_id uuid not null references children (id),
  kind text not null check (kind in ('missing_from_home', 'missing_from_care', 'away_without_authorisation')),
  reported_at timestamptz not null,
  returned_at timestamptz,
  police_ref text unique,
  risk_grade text check (risk_grade in ('no_apparent_risk', 'low', 'medium', 'high')),
  last_seen text,
  exploitation_concerns text[] not null default '{}',
  safe_and_well_check text check (safe_and_well_check in ('done', 'not_done')),
  responsible_authority text,
  host_authority text,
  placement_in_area boolean,
  source text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (child_id, reported_at),
  check (returned_at is null or returned_at >= reported_at)
);
create index episodes_open on episodes (reported_at) where returned_at is null;
create index episodes_child on episodes (child_id, reported_at);
create index episodes_returned on episodes (returned_at);

-- Every change to an episode (the risk grade above all), as entered, with who and when.
create table episode_history (
  id uuid primary key,
  episode_id uuid not null references episodes (id),
  field text not null,
  old_value jsonb,
  new_value jsonb,
  changed_at timestamptz not null,
  changed_by text not null
);
create index episode_history_episode on episode_history (episode_id, changed_at);

create table return_interviews (
  id uuid primary key,
  child_id uuid not null references children (id),
  external_ref text unique,
  offered_at timestamptz,
  offered_by text,
  outcome text check (outcome in ('accepted', 'declined', 'no_contact')),
  completed_at timestamptz,
  completed_by text,
  provider text check (provider in ('in_house', 'commissioned', 'spot_purchased', 'social_worker')),
  findings jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One RHI may cover several episodes; an episode is covered by one RHI at most.
create table return_interview_episodes (
  return_interview_id uuid not null references return_interviews (id),
  episode_id uuid not null unique references episodes (id),
  primary key (return_interview_id, episode_id)
);

create table channels (
  id uuid primary key,
  conversation_id text not null unique,
  team_id text,
  tenant_id text,
  name text,
  agency_code text references agencies (code),
  display_level text not null default 'initials' check (display_level in ('initials', 'full')),
  conversation_reference jsonb not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table agency_notes (
  id uuid primary key,
  child_id uuid not null references children (id),
  episode_id uuid references episodes (id),
  agency_code text not null references agencies (code),
  author_id text not null,
  author_name text not null,
  category text not null check (category in ('seen', 'location', 'associates', 'school', 'health', 'police', 'other')),
  body text not null,
  restricted boolean not null default false,
  created_at timestamptz not null
);
create index agency_notes_child on agency_notes (child_id, created_at desc);

-- One acknowledgement per agency per list day, for the whole list (child_id null) or one child.
create table acknowledgements (
  id uuid primary key,
  list_date date not null,
  agency_code text not null references agencies (code),
  child_id uuid references children (id),
  user_id text not null,
  user_name text not null,
  conversation_id text not null,
  acknowledged_at timestamptz not null
);
create unique index acknowledgements_once on acknowledgements (list_date, agency_code, coalesce(child_id, '00000000-0000-0000-0000-000000000000'::uuid));

create table strategy_meetings (
  id uuid primary key,
  child_id uuid not null references children (id),
  kind text not null check (kind in ('strategy', 'stage_1', 'stage_2')),
  status text not null check (status in ('booked', 'cancelled')),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  organiser_id text not null,
  graph_event_id text,
  join_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Who did what, when and from where. Never child names: refs and ids only.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text not null,
  actor_kind text not null check (actor_kind in ('api', 'teams', 'import', 'system')),
  action text not null,
  subject_type text,
  subject_id text,
  conversation_id text,
  details jsonb not null default '{}'
);
create index audit_log_subject on audit_log (subject_type, subject_id);
