-- How many notes each user keeps, so the per-user cap (NOTES_PER_USER_MAX) is checked and
-- raised in the one UPDATE that also locks the user's row: concurrent creates serialize on
-- that row and cannot overshoot the cap together.
ALTER TABLE users ADD COLUMN note_count integer NOT NULL DEFAULT 0;
UPDATE users u SET note_count = (SELECT count(*) FROM notes n WHERE n.user_id = u.id);
