-- seq orders a user's notes for keyset pagination (newest first) without relying on
-- timestamp precision; it never leaves the database except inside an opaque cursor.
CREATE TABLE notes (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint      GENERATED ALWAYS AS IDENTITY,
  user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body        text        NOT NULL CHECK (char_length(body) <= 10000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notes_user_seq ON notes (user_id, seq DESC);
