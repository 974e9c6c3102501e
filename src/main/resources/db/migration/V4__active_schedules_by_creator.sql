-- SCHEDULES_PER_USER counts a user's schedules that will still fire on every create.
CREATE INDEX scheduled_messages_active_by_creator ON scheduled_messages (created_by) WHERE next_run_at IS NOT NULL;
