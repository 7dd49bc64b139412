-- Customer search reads the pg_trgm GIN indexes. New GIN entries first wait in an
-- unsorted pending list (default up to 4 MB) that every search scans linearly until
-- a vacuum or the limit merges it: measured at 100k customers, a searched page took
-- ~100 ms right after a bulk load instead of ~15 ms. A 64 kB limit keeps that scan
-- short while inserts still merge in batches; merge what is pending now.
ALTER INDEX customers_company_name_trgm SET (gin_pending_list_limit = 64);
ALTER INDEX customers_legal_name_trgm SET (gin_pending_list_limit = 64);
ALTER INDEX customers_ban_trgm SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('customers_company_name_trgm'::regclass);
SELECT gin_clean_pending_list('customers_legal_name_trgm'::regclass);
SELECT gin_clean_pending_list('customers_ban_trgm'::regclass);
