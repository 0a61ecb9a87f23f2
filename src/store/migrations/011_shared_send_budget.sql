-- Teams allows the app 50 requests a second per tenant, whichever replica sends them. Each request's
-- moment is reserved here, in one row every replica updates in turn: the latest reservations, in
-- order, so the next one is put at least a window after the one `limit` places back.
create table send_budget (
  name text primary key,
  slots timestamptz[] not null default '{}'
);
insert into send_budget (name) values ('app');
