-- Migration 084: Mood ring can show the recent mood log under the ring.

ALTER TABLE mood_ring_config ADD COLUMN show_mood_log INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mood_ring_config ADD COLUMN mood_log_limit INTEGER NOT NULL DEFAULT 7;
