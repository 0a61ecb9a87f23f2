-- Confirming a daily post that may have landed before its sender died, instead of posting it twice:
-- the team's Entra group id (Graph names a team by it), when a send began, and a post that may show
-- twice in its channel because it could not be confirmed.
alter table channels add column team_aad_group_id text;
alter table posted_cards add column send_started_at timestamptz;
alter table posted_cards add column possible_duplicate boolean not null default false;
