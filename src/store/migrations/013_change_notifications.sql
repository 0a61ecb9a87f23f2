-- What every card tap reads (roles granted in Teams; each channel's agency, display level and
-- standing; each day's list version) is kept in memory by each replica and forgotten when the
-- database says it changed. Every change says so, whoever makes it (a command, another replica, a fix
-- made by hand in psql): a notification on huddle_changes naming the table, delivered at commit (and
-- not at all on rollback). src/store/changeFeed.ts hears it.
create function notify_change() returns trigger language plpgsql as $$
begin
  perform pg_notify('huddle_changes', tg_table_name);
  return null;
end
$$;

create trigger role_grants_changed after insert or update or delete or truncate on role_grants
  for each statement execute function notify_change();

-- A row inserted, not an insert statement: a message's upsert into a known channel is an insert
-- statement that inserts nothing.
create trigger channels_added after insert on channels
  for each row execute function notify_change();

create trigger channels_removed after delete or truncate on channels
  for each statement execute function notify_change();

-- A message refreshes its channel's row (last activity, reference): only a change to what access
-- reads tells anyone.
create trigger channels_standing_changed after update on channels
  for each row when (old.conversation_id is distinct from new.conversation_id
                     or old.agency_code is distinct from new.agency_code
                     or old.display_level is distinct from new.display_level
                     or old.active is distinct from new.active)
  execute function notify_change();

-- Every change that shows on a day's card moves its version on. By row: an acknowledgement that
-- adds nothing runs the statement that would move it, and moves nothing.
create trigger list_versions_changed after insert or update or delete on list_versions
  for each row execute function notify_change();

create trigger list_versions_emptied after truncate on list_versions
  for each statement execute function notify_change();
