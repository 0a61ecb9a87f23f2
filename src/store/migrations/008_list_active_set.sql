-- The list reads episodes reported inside the escalation window through this index (open ones and
-- recent returns have theirs), so its cost follows the active set, not years of history.
create index episodes_reported on episodes (reported_at);
