-- A MANUAL conflict can open on a field before both sides ever agreed on it.
-- Such a row has no base: "never agreed" must not read as "agreed on empty",
-- which the planner treats differently (an empty base lets either side fill it).
ALTER TABLE hubspot_field_state ADD COLUMN has_base boolean NOT NULL DEFAULT true;
