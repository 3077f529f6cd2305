import PostgresSupport

extension PostgresQueueStore {
    /// The queue's schema on PostgreSQL: the tables of `SQLiteQueueStore`'s migrations as they
    /// stand, with the same partial indexes. Keys compared or ordered (ids, names, queues,
    /// workers) are `COLLATE "C"`: byte order, as in SQLite, whatever the database's locale.
    /// Shipped migrations never change; later changes are new steps.
    static let migrator: PostgresMigrator = {
        let buckets = (0..<DurationHistogram.bucketCount).map { "r\($0) bigint NOT NULL DEFAULT 0, w\($0) bigint NOT NULL DEFAULT 0" }
        return PostgresMigrator(
            module: "queue",
            steps: [
                (
                    "v1: jobs, attempts, workers, idempotency, schedules, pauses, controls, stats",
                    [
                        """
                        CREATE TABLE jobs (
                            id text COLLATE "C" PRIMARY KEY,
                            name text COLLATE "C" NOT NULL,
                            queue text COLLATE "C" NOT NULL,
                            priority bigint NOT NULL,
                            state text COLLATE "C" NOT NULL,
                            args text NOT NULL,
                            kwargs text NOT NULL,
                            enqueued_at double precision NOT NULL,
                            run_at double precision NOT NULL,
                            started_at double precision,
                            date_done double precision,
                            lease_until double precision,
                            token bigint NOT NULL DEFAULT 0,
                            worker text COLLATE "C",
                            deliveries bigint NOT NULL DEFAULT 0,
                            lost_deliveries bigint NOT NULL DEFAULT 0,
                            retries bigint NOT NULL DEFAULT 0,
                            meta text,
                            result text,
                            error text,
                            revoke_requested boolean NOT NULL DEFAULT false,
                            expires_at double precision,
                            retry_of text COLLATE "C",
                            retried_as text COLLATE "C"
                        )
                        """,
                        // The claim path: due waiting jobs of a queue by priority, then due time.
                        "CREATE INDEX jobs_ready ON jobs (queue, priority DESC, run_at, id) WHERE state IN ('PENDING','RETRY')",
                        // Lapsed leases are found without scanning.
                        "CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state IN ('STARTED','PROGRESS')",
                        "CREATE INDEX jobs_expiry ON jobs (expires_at) WHERE expires_at IS NOT NULL",
                        "CREATE INDEX jobs_failed_key ON jobs (queue, name, worker) WHERE state = 'FAILURE'",
                        "CREATE INDEX jobs_revoked_key ON jobs (queue, name, worker) WHERE state = 'REVOKED'",
                        "CREATE INDEX jobs_name ON jobs (name, id)",
                        "CREATE INDEX jobs_queue ON jobs (queue, id)",
                        // Revoke requests of running jobs, read by every worker each second.
                        "CREATE INDEX jobs_revoke_requested ON jobs (id) WHERE revoke_requested",
                        """
                        CREATE TABLE attempts (
                            job_id text COLLATE "C" NOT NULL,
                            token bigint NOT NULL,
                            delivery bigint NOT NULL,
                            worker text NOT NULL,
                            started_at double precision NOT NULL,
                            finished_at double precision,
                            outcome text,
                            error text,
                            PRIMARY KEY (job_id, token)
                        )
                        """,
                        """
                        CREATE TABLE workers (
                            name text COLLATE "C" PRIMARY KEY,
                            last_seen double precision NOT NULL,
                            info text NOT NULL
                        )
                        """,
                        """
                        CREATE TABLE idempotency_keys (
                            key text PRIMARY KEY,
                            job_id text NOT NULL,
                            created_at double precision NOT NULL
                        )
                        """,
                        """
                        CREATE TABLE schedules (
                            name text COLLATE "C" PRIMARY KEY,
                            task text NOT NULL,
                            args text NOT NULL,
                            kwargs text NOT NULL,
                            queue text NOT NULL,
                            priority bigint NOT NULL,
                            spec text NOT NULL,
                            timezone text NOT NULL,
                            fingerprint text NOT NULL,
                            config_enabled boolean NOT NULL,
                            override_enabled boolean,
                            configured boolean NOT NULL DEFAULT true,
                            next_run double precision,
                            last_run double precision,
                            last_task_id text,
                            created_at double precision NOT NULL
                        )
                        """,
                        // Exactly once: a due time is enqueued by whoever inserts its row first.
                        """
                        CREATE TABLE schedule_runs (
                            schedule text NOT NULL,
                            due double precision NOT NULL,
                            task_id text NOT NULL,
                            PRIMARY KEY (schedule, due)
                        )
                        """,
                        """
                        CREATE TABLE queue_pauses (
                            name text COLLATE "C" PRIMARY KEY,
                            paused_at double precision NOT NULL
                        )
                        """,
                        """
                        CREATE TABLE worker_controls (
                            name text COLLATE "C" PRIMARY KEY,
                            action text NOT NULL,
                            requested_at double precision NOT NULL
                        )
                        """,
                        """
                        CREATE TABLE task_stats (
                            minute bigint NOT NULL,
                            name text COLLATE "C" NOT NULL,
                            queue text COLLATE "C" NOT NULL,
                            succeeded bigint NOT NULL DEFAULT 0,
                            failed bigint NOT NULL DEFAULT 0,
                            retried bigint NOT NULL DEFAULT 0,
                            revoked bigint NOT NULL DEFAULT 0,
                            runtime_sum double precision NOT NULL DEFAULT 0,
                            runtime_max double precision NOT NULL DEFAULT 0,
                            wait_sum double precision NOT NULL DEFAULT 0,
                            wait_max double precision NOT NULL DEFAULT 0,
                            \(buckets.joined(separator: ",\n"))
                            ,PRIMARY KEY (minute, name, queue)
                        )
                        """,
                    ]
                ),
                (
                    "v2: the claim and the ack as functions (their plans cached per connection)",
                    [
                        // A plain statement of this shape is planned at every call: 0.7 ms, as
                        // long as its run. A PL/pgSQL function's statements are planned once
                        // per connection. The states are the state machine's (`claim`, `succeed`).
                        """
                        CREATE FUNCTION importer_claim(p_queues text[], p_excluded text[], p_worker text, p_now double precision,
                            p_until double precision)
                        RETURNS TABLE (id text, name text, args text, kwargs text, queue text, priority bigint, token bigint,
                            deliveries bigint, retries bigint, enqueued_at double precision, run_at double precision,
                            lease_until double precision)
                        LANGUAGE plpgsql AS $$
                        #variable_conflict use_column
                        DECLARE
                            picked text;
                            claimed record;
                        BEGIN
                            SELECT c.id INTO picked FROM unnest(p_queues) AS q(queue)
                            CROSS JOIN LATERAL (
                                SELECT j.id, j.priority, j.run_at FROM jobs j
                                WHERE j.state IN ('PENDING','RETRY') AND j.queue = q.queue COLLATE "C" AND j.run_at <= p_now
                                    AND (p_excluded IS NULL OR NOT (j.name = ANY(p_excluded)))
                                ORDER BY j.priority DESC, j.run_at, j.id LIMIT 1
                                FOR UPDATE SKIP LOCKED
                            ) c
                            WHERE NOT EXISTS (SELECT 1 FROM queue_pauses p WHERE p.name = q.queue COLLATE "C")
                            ORDER BY c.priority DESC, c.run_at, c.id LIMIT 1;
                            IF picked IS NULL THEN
                                RETURN;
                            END IF;
                            UPDATE jobs j SET state = 'STARTED', token = j.token + 1, deliveries = j.deliveries + 1, worker = p_worker,
                                started_at = p_now, lease_until = p_until, meta = NULL
                            WHERE j.id = picked AND j.state IN ('PENDING','RETRY')
                            RETURNING j.id, j.name, j.args, j.kwargs, j.queue, j.priority, j.token, j.deliveries, j.retries,
                                j.enqueued_at, j.run_at, j.lease_until INTO claimed;
                            IF NOT FOUND THEN
                                RETURN;
                            END IF;
                            INSERT INTO attempts (job_id, token, delivery, worker, started_at)
                            VALUES (claimed.id, claimed.token, claimed.deliveries, p_worker, p_now);
                            RETURN QUERY SELECT claimed.id, claimed.name, claimed.args, claimed.kwargs, claimed.queue, claimed.priority,
                                claimed.token, claimed.deliveries, claimed.retries, claimed.enqueued_at, claimed.run_at, claimed.lease_until;
                        END $$
                        """,
                        """
                        CREATE FUNCTION importer_ack(p_id text, p_token bigint, p_result text, p_now double precision,
                            p_expires double precision)
                        RETURNS TABLE (name text, queue text, started_at double precision)
                        LANGUAGE plpgsql AS $$
                        #variable_conflict use_column
                        BEGIN
                            RETURN QUERY
                            UPDATE jobs j SET state = 'SUCCESS', result = p_result, date_done = p_now, expires_at = p_expires,
                                lease_until = NULL, token = j.token + 1
                            WHERE j.id = p_id AND j.token = p_token AND j.state IN ('STARTED','PROGRESS')
                            RETURNING j.name, j.queue, j.started_at;
                            IF FOUND THEN
                                UPDATE attempts a SET outcome = 'SUCCESS', finished_at = p_now, error = NULL
                                WHERE a.job_id = p_id AND a.token = p_token;
                            END IF;
                        END $$
                        """,
                    ]
                ),
                (
                    "v3: the ack with the next claim, the next delayed run, and the claim or else the next run, as functions",
                    [
                        // The same reason as v2's: planned at every call as plain statements,
                        // 0.3 ms (the ack and claim) and 0.6 ms (the next run) of the server's
                        // time per job, more than half of the latter's whole cost. With the
                        // claim-or-next-run, 22% fewer statements per idle job; on one host that
                        // did not move the drain or the latency (BENCHMARKS.md, 2026-12-04).
                        """
                        CREATE FUNCTION importer_ack_claim(p_id text, p_token bigint, p_result text, p_now double precision,
                            p_expires double precision, p_queues text[], p_excluded text[], p_worker text, p_until double precision)
                        RETURNS TABLE (acked_name text, acked_queue text, acked_started_at double precision,
                            id text, name text, args text, kwargs text, queue text, priority bigint, token bigint,
                            deliveries bigint, retries bigint, enqueued_at double precision, run_at double precision,
                            lease_until double precision)
                        LANGUAGE plpgsql AS $$
                        #variable_conflict use_column
                        DECLARE
                            acked record;
                        BEGIN
                            SELECT * INTO acked FROM importer_ack(p_id, p_token, p_result, p_now, p_expires);
                            IF NOT FOUND THEN
                                RETURN;
                            END IF;
                            RETURN QUERY SELECT acked.name, acked.queue, acked.started_at, c.*
                                FROM importer_claim(p_queues, p_excluded, p_worker, p_now, p_until) c;
                            IF NOT FOUND THEN
                                RETURN QUERY SELECT acked.name, acked.queue, acked.started_at, NULL::text, NULL::text, NULL::text,
                                    NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
                                    NULL::double precision, NULL::double precision, NULL::double precision;
                            END IF;
                        END $$
                        """,
                        """
                        CREATE FUNCTION importer_claim_or_next(p_queues text[], p_excluded text[], p_worker text, p_now double precision,
                            p_until double precision, p_after double precision)
                        RETURNS TABLE (id text, name text, args text, kwargs text, queue text, priority bigint, token bigint,
                            deliveries bigint, retries bigint, enqueued_at double precision, run_at double precision,
                            lease_until double precision, next_run double precision)
                        LANGUAGE plpgsql AS $$
                        #variable_conflict use_column
                        BEGIN
                            RETURN QUERY SELECT c.*, NULL::double precision FROM importer_claim(p_queues, p_excluded, p_worker, p_now, p_until) c;
                            IF NOT FOUND THEN
                                RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint,
                                    NULL::bigint, NULL::bigint, NULL::double precision, NULL::double precision, NULL::double precision,
                                    importer_next_run(p_queues, p_after);
                            END IF;
                        END $$
                        """,
                        """
                        CREATE FUNCTION importer_next_run(p_queues text[], p_after double precision) RETURNS double precision
                        LANGUAGE plpgsql STABLE AS $$
                        #variable_conflict use_column
                        DECLARE
                            due double precision;
                        BEGIN
                            SELECT MIN(j.run_at) INTO due FROM unnest(p_queues) AS q(queue)
                            CROSS JOIN LATERAL (
                                SELECT w.run_at FROM jobs w
                                WHERE w.state IN ('PENDING','RETRY') AND w.queue = q.queue COLLATE "C" AND w.run_at > p_after
                                ORDER BY w.run_at LIMIT 1
                            ) j;
                            RETURN due;
                        END $$
                        """,
                    ]
                ),
            ])
    }()
}
