-- A counter per list day, moved on every change that shows on the day's card. A replica that
-- refreshes the posted copies checks it again after updating them and goes round once more if it
-- moved, so copies end on the latest state even when replicas' updates land out of order.
create table list_versions (
  list_date date primary key,
  version bigint not null default 0
);
