-- Forwarding: what a worker needs to claim a forward without holding a lock across the POST.
--
-- ingest_body (0001) already enqueues what MoEngage is to be told: in `final` mode a
-- message's first final outcome only (read counts as delivered; interim details such as
-- delivered_to_operator are not final), decided under the message's row lock so two bodies
-- racing on one message enqueue one forward; in `all` mode every change of the current status.
-- It is left as it is.
--
-- lease:      the claim that owns a pending forward until next_attempt_at (the lease's end);
--             a worker records a retry or a death only while its lease is still the current
--             one, so a late answer never overwrites a newer claim.
-- queued_at:  start of the retry window (age limit); `replay --dead` starts a new window.
-- dead_at:    when the forward gave up; `replay --dead --since T` selects on it.
ALTER TABLE forwards
    ADD COLUMN lease uuid,
    ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN dead_at timestamptz;

UPDATE forwards SET queued_at = created_at;
UPDATE forwards SET dead_at = coalesce(sent_at, created_at) WHERE state = 'dead';

CREATE INDEX forwards_dead ON forwards (dead_at) WHERE state = 'dead';
