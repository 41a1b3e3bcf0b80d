-- Fewer index entries per message. Message ids are random (8x8's umids are UUIDs), so every
-- index keyed by one lands on a random page of a large b-tree: the costliest index entries
-- a receipt makes. Messages had two, the primary key (connector, message_id) and
-- messages_by_message_id for look-ups by id alone. A primary key that leads with the id
-- serves both: the look-up by id alone is its prefix, and ON CONFLICT (connector, message_id)
-- names the same set of columns.

ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages ADD PRIMARY KEY (message_id, connector);
DROP INDEX messages_by_message_id;
