-- Gatekeeper: user types carry resource-path permissions; users may be granted
-- individual customers when their type has no wildcard access.
CREATE TABLE user_types (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z][A-Za-z0-9_]{0,63}$'),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_type_permissions (
  user_type_id  uuid NOT NULL REFERENCES user_types (id) ON DELETE CASCADE,
  -- '*' (everything), an exact path ('/api/v1/customers'), or a prefix wildcard ('/api/v1/customers/*').
  resource_path text NOT NULL CHECK (resource_path = '*' OR resource_path ~ '^/[A-Za-z0-9_./:-]*(/\*)?$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_type_id, resource_path)
);

-- users.id is the JWT subject (`sub` / `user_id`) issued by WARP's auth service.
CREATE TABLE users (
  id           uuid PRIMARY KEY,
  email        text NOT NULL UNIQUE,
  display_name text,
  user_type_id uuid NOT NULL REFERENCES user_types (id),
  is_active    boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_user_type_idx ON users (user_type_id);

CREATE TABLE user_customer_access (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  granted_by  text,
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, customer_id)
);
CREATE INDEX user_customer_access_customer_idx ON user_customer_access (customer_id);
