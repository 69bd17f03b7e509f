-- 0003_identity_pending: the authors whose identity is still to be looked
-- up, kept by the database itself (SQLite).
--
-- The identity resolver used to find them on every pass by joining the
-- statuses indexed since its last pass to identity; the planner walked a
-- whole index of the status table for that (4.9 s a pass at 1,000,000 rows
-- in issue 16, one core busy for ever). Now a trigger queues the author of every inserted status that
-- has no identity row, in the transaction of the insert, and storing the
-- author's identity takes it off the queue. A pass reads only the queue's
-- due rows through identity_pending_due, so it costs what was queued, never
-- the size of the status table (TestResolverPassIsIndexed,
-- BenchmarkResolverPass). Triggers, not code in each writer, so that every
-- path that inserts statuses (the web's optimistic write, the stream, the
-- backfill, bulk loads) feeds the queue without having to remember it.

-- retry_after: when the resolver may look the DID up (again); a failed
-- lookup moves it later.
CREATE TABLE identity_pending (
    did         TEXT NOT NULL PRIMARY KEY,
    retry_after TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z'
) STRICT;
-- The resolver's pass: the due DIDs, longest due first.
CREATE INDEX identity_pending_due ON identity_pending (retry_after, did);

CREATE TRIGGER status_queue_identity AFTER INSERT ON status
WHEN NOT EXISTS (SELECT 1 FROM identity WHERE did = NEW.author_did)
BEGIN
    INSERT INTO identity_pending (did) VALUES (NEW.author_did)
    ON CONFLICT (did) DO NOTHING;
END;

CREATE TRIGGER identity_insert_dequeue AFTER INSERT ON identity
BEGIN
    DELETE FROM identity_pending WHERE did = NEW.did;
END;

CREATE TRIGGER identity_update_dequeue AFTER UPDATE ON identity
BEGIN
    DELETE FROM identity_pending WHERE did = NEW.did;
END;

-- The authors already stored without an identity (a one-time walk).
INSERT INTO identity_pending (did)
SELECT DISTINCT s.author_did
FROM status s
WHERE NOT EXISTS (SELECT 1 FROM identity i WHERE i.did = s.author_did);
