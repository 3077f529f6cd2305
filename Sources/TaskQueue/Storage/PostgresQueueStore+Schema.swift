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
                )
            ])
    }()
}
