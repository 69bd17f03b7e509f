-- 0003_identity_pending: the authors whose identity is still to be looked
-- up, kept by the database itself (PostgreSQL).
--
-- The identity resolver used to find them on every pass by joining the
-- statuses indexed since its last pass to identity, which could walk the
-- whole status table. Now a trigger queues the author of every inserted
-- status that has no identity row, in the transaction of the insert, and
-- storing the author's identity takes it off the queue. A pass reads only
-- the queue's due rows through identity_pending_due, so it costs what was
-- queued, never the size of the status table (TestResolverPassIsIndexed).
-- Triggers, not code in each writer, so that every path that inserts
-- statuses feeds the queue without having to remember it.
--
-- Under READ COMMITTED a status inserted while the author's identity is
-- being stored by another transaction may queue the author after that
-- transaction's dequeue: the resolver then looks it up once more, and that
-- update dequeues it. Nothing is ever missed, at worst looked up twice.

-- retry_after: when the resolver may look the DID up (again); a failed
-- lookup moves it later.
CREATE TABLE identity_pending (
    did         text COLLATE "C" NOT NULL PRIMARY KEY,
    retry_after timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00'
);
-- The resolver's pass: the due DIDs, longest due first.
CREATE INDEX identity_pending_due ON identity_pending (retry_after, did);

CREATE FUNCTION status_queue_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_pending (did)
    SELECT NEW.author_did
    WHERE NOT EXISTS (SELECT 1 FROM identity WHERE did = NEW.author_did)
    ON CONFLICT (did) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER status_queue_identity AFTER INSERT ON status
FOR EACH ROW EXECUTE FUNCTION status_queue_identity();

CREATE FUNCTION identity_dequeue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM identity_pending WHERE did = NEW.did;
    RETURN NULL;
END
$$;
CREATE TRIGGER identity_dequeue AFTER INSERT OR UPDATE ON identity
FOR EACH ROW EXECUTE FUNCTION identity_dequeue();

-- The authors already stored without an identity (a one-time walk).
INSERT INTO identity_pending (did)
SELECT DISTINCT s.author_did
FROM status s
WHERE NOT EXISTS (SELECT 1 FROM identity i WHERE i.did = s.author_did);
