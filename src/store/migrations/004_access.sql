-- Roles granted in Teams by the missing team (configuration and Entra groups are read, not stored),
-- and what the audit and the card refresher need to know who saw what.

create table role_grants (
  user_id text not null,          -- the Entra object id
  role text not null check (role in ('missing-team', 'chair', 'manager', 'police', 'health', 'education', 'social-care', 'youth-justice')),
  user_name text,
  granted_by text not null,
  granted_at timestamptz not null,
  primary key (user_id, role)
);
create index role_grants_role on role_grants (role);

-- Staff names may be kept beside their ids (never children's names).
alter table audit_log add column actor_name text;
update audit_log set subject_type = 'child', subject_id = details ->> 'childRef' where subject_id is null and details ? 'childRef';
create index audit_log_at on audit_log (at);
create index audit_log_actor on audit_log (actor, at);
create index audit_log_child on audit_log ((details ->> 'childRef'));

-- A card posted into a personal chat is that person's: refreshed only while they still hold the role.
alter table posted_cards add column place text not null default 'channel' check (place in ('channel', 'personal'));
alter table posted_cards add column for_user_id text;
update posted_cards set place = 'personal' where not scheduled and conversation_id not in (select conversation_id from channels);
-- On-demand posts in a channel were recorded with the thread's id ("<channel>;messageid=…").
update posted_cards set conversation_id = split_part(conversation_id, ';', 1) where conversation_id like '%;messageid=%';
create index posted_cards_conversation on posted_cards (conversation_id, list_date);
