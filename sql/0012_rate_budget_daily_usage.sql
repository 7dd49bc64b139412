-- HubSpot's own count of the day's calls, from the X-HubSpot-RateLimit-Daily and
-- -Daily-Remaining headers of a recent answer: every app of the account spends the daily
-- limit, so only HubSpot knows the figure. Kept on the budget's api row for the sync status.
ALTER TABLE hubspot_rate_budget
  ADD COLUMN daily_limit integer,
  ADD COLUMN daily_remaining integer,
  ADD COLUMN daily_observed_at timestamptz;
