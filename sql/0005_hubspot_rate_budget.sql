-- One HubSpot rate budget shared by every instance of every function: they all
-- spend the same private app's calls, so the budget lives here, not in memory.
-- One row per bucket (e.g. 'default:api' for the rolling 10-second window,
-- 'default:search' for CRM search's per-second limit).
CREATE TABLE hubspot_rate_budget (
  bucket          text PRIMARY KEY,
  -- Epoch milliseconds (database clock) of the reservations still inside the
  -- window, oldest first. Never longer than the bucket's max, so the row cleans itself.
  reserved_at_ms  bigint[] NOT NULL DEFAULT '{}',
  -- Set after HubSpot answered 429 anyway: every instance pauses until then.
  blocked_until   timestamptz,
  blocked_reason  text CHECK (blocked_reason IN ('TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY')),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Reserves p_n calls in one short transaction when they fit in the rolling
-- window (no call stamped within the last p_window_ms pushes the count past
-- p_max); otherwise reserves nothing and says how long to wait. The row lock
-- serialises instances; p_now_ms exists for tests, production uses the
-- database clock so instances with skewed clocks still agree.
CREATE FUNCTION hubspot_rate_reserve(p_bucket text, p_n integer, p_max integer, p_window_ms integer, p_now_ms bigint DEFAULT NULL)
RETURNS TABLE (granted boolean, wait_ms integer, blocked_reason text)
LANGUAGE plpgsql AS $$
DECLARE
  v_now   bigint := coalesce(p_now_ms, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint);
  v_row   hubspot_rate_budget%ROWTYPE;
  v_live  bigint[];
  v_count integer;
BEGIN
  IF p_n < 1 OR p_n > p_max THEN
    RAISE EXCEPTION 'hubspot_rate_reserve: n (%) must be between 1 and max (%)', p_n, p_max;
  END IF;
  SELECT * INTO v_row FROM hubspot_rate_budget WHERE bucket = p_bucket FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO hubspot_rate_budget (bucket) VALUES (p_bucket) ON CONFLICT (bucket) DO NOTHING;
    SELECT * INTO v_row FROM hubspot_rate_budget WHERE bucket = p_bucket FOR UPDATE;
  END IF;

  IF v_row.blocked_until IS NOT NULL AND v_row.blocked_until > to_timestamp(v_now / 1000.0) THEN
    RETURN QUERY SELECT false,
      greatest(1, ceil(extract(epoch FROM v_row.blocked_until) * 1000 - v_now))::integer,
      v_row.blocked_reason;
    RETURN;
  END IF;

  v_live := ARRAY(SELECT t FROM unnest(v_row.reserved_at_ms) AS t WHERE t > v_now - p_window_ms ORDER BY t);
  v_count := cardinality(v_live);
  IF v_count + p_n <= p_max THEN
    UPDATE hubspot_rate_budget
       SET reserved_at_ms = v_live || array_fill(v_now, ARRAY[p_n]),
           blocked_until = NULL, blocked_reason = NULL, updated_at = now()
     WHERE bucket = p_bucket;
    RETURN QUERY SELECT true, 0, NULL::text;
  ELSE
    -- The (count + n - max) oldest reservations must leave the window first.
    RETURN QUERY SELECT false, greatest(1, v_live[v_count + p_n - p_max] + p_window_ms - v_now + 1)::integer, NULL::text;
  END IF;
END;
$$;

-- Pauses a bucket for every instance (extends, never shortens, a pause).
CREATE FUNCTION hubspot_rate_block(p_bucket text, p_for_ms integer, p_reason text, p_now_ms bigint DEFAULT NULL)
RETURNS void
LANGUAGE sql AS $$
  INSERT INTO hubspot_rate_budget AS b (bucket, blocked_until, blocked_reason)
  VALUES (p_bucket,
          to_timestamp((coalesce(p_now_ms, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) + p_for_ms) / 1000.0),
          p_reason)
  ON CONFLICT (bucket) DO UPDATE
     SET blocked_until = greatest(coalesce(b.blocked_until, EXCLUDED.blocked_until), EXCLUDED.blocked_until),
         blocked_reason = CASE WHEN b.blocked_reason = 'DAILY' AND b.blocked_until > EXCLUDED.blocked_until
                               THEN b.blocked_reason ELSE EXCLUDED.blocked_reason END,
         updated_at = now();
$$;
