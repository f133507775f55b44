-- Functions that the schema no longer uses, dropped (issue 16: one current definition per
-- function, in functions/). Databases migrated before the layout change still have them; a fresh
-- database never created them.
--
-- * sluice_archived_part_rows(d, k) (0011): archive verification reads
--   sluice_archived_part_digest(d, k), which returns the same rows' count with their key digest.

DROP FUNCTION IF EXISTS sluice_archived_part_rows(date, integer);
