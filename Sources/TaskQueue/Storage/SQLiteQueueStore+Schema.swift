import GRDB
import SQLiteSupport

extension SQLiteQueueStore {
    /// The queue's schema. Shipped migrations never change; later changes are new migrations.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs, attempts, workers, idempotency") { db in
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        args TEXT NOT NULL,
                        kwargs TEXT NOT NULL,
                        enqueued_at REAL NOT NULL,
                        run_at REAL NOT NULL,
                        started_at REAL,
                        date_done REAL,
                        lease_until REAL,
                        token INTEGER NOT NULL DEFAULT 0,
                        worker TEXT,
                        deliveries INTEGER NOT NULL DEFAULT 0,
                        lost_deliveries INTEGER NOT NULL DEFAULT 0,
                        retries INTEGER NOT NULL DEFAULT 0,
                        meta TEXT,
                        result TEXT,
                        error TEXT,
                        revoke_requested INTEGER NOT NULL DEFAULT 0,
                        expires_at REAL
                    ) WITHOUT ROWID;
                    -- The claim path: due waiting jobs of a queue by priority, then due time.
                    CREATE INDEX jobs_ready ON jobs(queue, priority DESC, run_at, id)
                        WHERE state IN ('PENDING','RETRY');
                    -- Lapsed leases are found without scanning.
                    CREATE INDEX jobs_leased ON jobs(lease_until) WHERE state IN ('STARTED','PROGRESS');
                    CREATE INDEX jobs_expiry ON jobs(expires_at) WHERE expires_at IS NOT NULL;
                    -- Dead letters by id. No index on state in general: every transition would
                    -- move the job within it (STACK.md: pages written per transaction are the cost).
                    CREATE INDEX jobs_failed ON jobs(id) WHERE state = 'FAILURE';
                    CREATE INDEX jobs_name ON jobs(name, id);
                    CREATE INDEX jobs_queue ON jobs(queue, id);

                    -- One row per delivery: proves how often each job ran and how each run ended.
                    CREATE TABLE attempts (
                        job_id TEXT NOT NULL,
                        token INTEGER NOT NULL,
                        delivery INTEGER NOT NULL,
                        worker TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        outcome TEXT,
                        error TEXT,
                        PRIMARY KEY (job_id, token)
                    ) WITHOUT ROWID;

                    CREATE TABLE workers (
                        name TEXT PRIMARY KEY NOT NULL,
                        last_seen REAL NOT NULL,
                        info TEXT NOT NULL
                    );

                    CREATE TABLE idempotency_keys (
                        key TEXT PRIMARY KEY NOT NULL,
                        job_id TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: schedules") { db in
            try db.execute(
                sql: """
                    -- Beat (DESIGN.md §4): each schedule with its next due time.
                    CREATE TABLE schedules (
                        name TEXT PRIMARY KEY NOT NULL,
                        task TEXT NOT NULL,
                        args TEXT NOT NULL,
                        kwargs TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        spec TEXT NOT NULL,
                        timezone TEXT NOT NULL,
                        -- The configured definition: a change re-times the schedule and drops the override.
                        fingerprint TEXT NOT NULL,
                        config_enabled INTEGER NOT NULL,
                        -- Enable/disable through the API (NULL: none since the configuration changed).
                        override_enabled INTEGER,
                        -- 0 once the schedule is no longer configured (it stays, disabled).
                        configured INTEGER NOT NULL DEFAULT 1,
                        next_run REAL,
                        last_run REAL,
                        last_task_id TEXT,
                        created_at REAL NOT NULL
                    );
                    -- Exactly once: a due time is enqueued by whoever inserts its row first.
                    CREATE TABLE schedule_runs (
                        schedule TEXT NOT NULL,
                        due REAL NOT NULL,
                        task_id TEXT NOT NULL,
                        PRIMARY KEY (schedule, due)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3: paused queues, retried dead letters") { db in
            try db.execute(
                sql: """
                    -- A paused queue is not claimed from (its running jobs finish); survives restarts.
                    CREATE TABLE queue_pauses (
                        name TEXT PRIMARY KEY NOT NULL,
                        paused_at REAL NOT NULL
                    );
                    -- A dead letter retried by hand: the new task and the original point at each other.
                    ALTER TABLE jobs ADD COLUMN retry_of TEXT;
                    ALTER TABLE jobs ADD COLUMN retried_as TEXT;
                    """)
        }
        migrator.registerMigration("v4: worker control requests") { db in
            try db.execute(
                sql: """
                    -- An operator's quiet or stop request to one worker process, read by it every 0.5 s.
                    CREATE TABLE worker_controls (
                        name TEXT PRIMARY KEY NOT NULL,
                        action TEXT NOT NULL,
                        requested_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5: per-minute task stats") { db in
            // Histogram buckets are columns (r0… runtime, w0… wait; DurationHistogram.bounds), so
            // that the group transaction adds its counts with one prepared upsert.
            let buckets = (0..<DurationHistogram.bucketCount).map { "r\($0) INTEGER NOT NULL DEFAULT 0, w\($0) INTEGER NOT NULL DEFAULT 0" }
            try db.execute(
                sql: """
                    -- The monitor's rollup (DESIGN.md §13): one row per minute, task name and queue,
                    -- written in the group transaction of the transitions it counts.
                    CREATE TABLE task_stats (
                        minute INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        succeeded INTEGER NOT NULL DEFAULT 0,
                        failed INTEGER NOT NULL DEFAULT 0,
                        retried INTEGER NOT NULL DEFAULT 0,
                        revoked INTEGER NOT NULL DEFAULT 0,
                        runtime_sum REAL NOT NULL DEFAULT 0,
                        runtime_max REAL NOT NULL DEFAULT 0,
                        wait_sum REAL NOT NULL DEFAULT 0,
                        wait_max REAL NOT NULL DEFAULT 0,
                        \(buckets.joined(separator: ",\n")),
                        PRIMARY KEY (minute, name, queue)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6: covering dead-letter indexes") { db in
            // `state` in the index makes it covering: SQLite reads a partial index's WHERE column from
            // the table otherwise, and counting 20,000 dead letters read 20,000 rows (~40 ms). The
            // queues view counts them per queue from the second alone. A failure is rare: two small
            // entries then.
            try db.execute(
                sql: """
                    DROP INDEX jobs_failed;
                    CREATE INDEX jobs_failed ON jobs(id, state) WHERE state = 'FAILURE';
                    CREATE INDEX jobs_failed_queue ON jobs(queue, state) WHERE state = 'FAILURE';
                    """)
        }
        migrator.registerMigration("v7: failed and revoked jobs counted by key") { db in
            // The listing's counts by state, name, queue and worker (DESIGN.md §13) come from the
            // partial indexes of the few states, and SUCCESS as the rest: a failure or a revoke
            // writes one more small entry, an ack none. `jobs_failed_queue` stays for the queues
            // view, which the overview reads every refresh: its narrow entries are read faster.
            try db.execute(
                sql: """
                    CREATE INDEX jobs_failed_key ON jobs(queue, name, worker, state) WHERE state = 'FAILURE';
                    CREATE INDEX jobs_revoked_key ON jobs(queue, name, worker, state) WHERE state = 'REVOKED';
                    """)
        }
        return migrator
    }
}
