-- Users own notes. The bearer token is never stored: only its SHA-256 digest.
CREATE TABLE users (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  email       text        NOT NULL,
  token_hash  bytea       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_token_hash_length CHECK (octet_length(token_hash) = 32)
);

-- E-mail addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- Every authenticated request resolves its caller through this index.
CREATE UNIQUE INDEX users_token_hash_key ON users (token_hash);
