-- The bank holidays date-holidays computes for a region (from 2000 to ten years ahead), kept so a
-- restart reads them instead of loading the library and computing 37 years (0.4-0.5 s of a start
-- on these machines). Keyed by the library's version: a newer one (a new holiday announced) computes
-- them again. A cache of a pure function: deleting rows is always safe.
create table bank_holiday_cache (
  region text not null,
  through_year integer not null,
  source text not null,
  days text[] not null,
  primary key (region, through_year, source)
);
