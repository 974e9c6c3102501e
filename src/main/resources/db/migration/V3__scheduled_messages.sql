-- Scheduled and recurring messages. next_run_at is the next occurrence still to send (NULL once a one-off is done).
CREATE TABLE scheduled_messages (
    id          uuid PRIMARY KEY,
    group_id    uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_by  uuid        NOT NULL REFERENCES users (id),
    content     text        NOT NULL,
    send_at     timestamptz,
    cron        text,
    timezone    text,
    next_run_at timestamptz,
    created_at  timestamptz NOT NULL,
    CHECK ((send_at IS NULL) <> (cron IS NULL))
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX scheduled_messages_by_group ON scheduled_messages (group_id);

-- One row per occurrence handled, whatever its outcome. The primary key is what makes each occurrence happen
-- exactly once in the whole cluster: it is inserted in the same transaction as the message it sends.
CREATE TABLE scheduled_occurrences (
    schedule_id uuid        NOT NULL REFERENCES scheduled_messages (id) ON DELETE CASCADE,
    due_at      timestamptz NOT NULL,
    outcome     text        NOT NULL,
    message_id  uuid,
    handled_at  timestamptz NOT NULL,
    PRIMARY KEY (schedule_id, due_at)
);
