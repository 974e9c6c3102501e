-- Groups carry the last seq handed out: incrementing it locks the row, which serialises posting per group across
-- every instance, and a rolled-back post gives its seq back, so seqs stay gap-free.
CREATE TABLE groups (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    owner_id   uuid        NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    last_seq   bigint      NOT NULL DEFAULT 0
);

CREATE TABLE group_members (
    group_id  uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   uuid        NOT NULL REFERENCES users (id),
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    group_id          uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    seq               bigint      NOT NULL,
    sender_id         uuid        NOT NULL REFERENCES users (id),
    content           text        NOT NULL,
    client_message_id text,
    created_at        timestamptz NOT NULL,
    UNIQUE (group_id, seq)
);
-- A retried post finds its original here; the index also forbids a second copy per group.
CREATE UNIQUE INDEX messages_idempotency ON messages (sender_id, client_message_id, group_id)
    WHERE client_message_id IS NOT NULL;
