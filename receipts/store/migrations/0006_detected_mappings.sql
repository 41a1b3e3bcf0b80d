-- Mappings detected from a connector's own receipts (connectors with no mapping file, or a
-- file with auto = true), versioned so every stored receipt can name the one that made it;
-- and replay of quarantined bodies, which keeps the original row and links the new one.

CREATE TABLE detected_mappings (
    connector     text NOT NULL,
    version       integer NOT NULL,
    mapping       text NOT NULL,          -- a mapping file, as `receipts mappings detect` prints it
    confidences   jsonb NOT NULL,
    sample_count  integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, version)
);

ALTER TABLE webhook_bodies DROP CONSTRAINT webhook_bodies_outcome_check;
ALTER TABLE webhook_bodies ADD CONSTRAINT webhook_bodies_outcome_check
    CHECK (outcome IN ('receipt', 'ignored', 'quarantined', 'replayed'));
-- On a replayed (formerly quarantined) body: the row that its replay stored.
ALTER TABLE webhook_bodies ADD COLUMN replayed_as bigint;
CREATE INDEX webhook_bodies_by_connector ON webhook_bodies (connector, id);
