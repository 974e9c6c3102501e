-- The Kafka pipeline's parked records: what a consumer read from the messages topic and can never store (a group
-- deleted or a sender removed between acceptance and storage, an unreadable value). Kept, not retried, so that one
-- bad record does not stop its partition; an operator looks here (and at chorus_kafka_parked_total). Keyed by the
-- record's position, so a record read again after a rebalance is parked once.
CREATE TABLE kafka_parked_records (
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    "offset"    bigint      NOT NULL,
    record_key  text,
    value       bytea,
    reason      text        NOT NULL,
    parked_at   timestamptz NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
);
