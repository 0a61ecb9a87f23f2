-- Why a risk grade changed, kept with the grade history the continuum is read from.
alter table episode_history add column reason text check (length(reason) <= 500);
-- An acknowledgement is of the list as its card showed it: the keys of the children (episode and
-- grade) that card listed. A child added or escalated since is new to that agency until acknowledged.
alter table acknowledgements add column seen text[] not null default '{}';
-- Schools and health record that a child attended (school, an appointment), as they record seen.
alter table agency_notes drop constraint agency_notes_category_check;
alter table agency_notes add constraint agency_notes_category_check check (category in ('seen', 'attended', 'location', 'associates', 'school', 'health', 'police', 'other'));
-- The page a conversation's copy was last turned to: refreshing every copy after a change keeps it there.
alter table posted_cards add column page integer not null default 0 check (page between 0 and 1000);
