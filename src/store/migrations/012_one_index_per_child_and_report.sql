-- The same columns as the unique (child_id, reported_at) constraint's own index: every episode
-- written (an import writes a million) kept two identical indexes up to date.
drop index episodes_child;
