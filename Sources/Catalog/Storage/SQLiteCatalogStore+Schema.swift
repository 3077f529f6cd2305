import GRDB

extension SQLiteCatalogStore {
    /// The catalogue's schema. Plain TEXT/INTEGER/REAL columns, no custom collations or
    /// functions, so any SQLite client can read it (DESIGN.md §7). Shipped migrations never
    /// change; later changes are new migrations.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: products, imports, import_errors, catalog_lock") { db in
            try db.execute(
                sql: """
                    CREATE TABLE products (
                        id TEXT PRIMARY KEY NOT NULL,
                        sku TEXT NOT NULL,
                        sku_key TEXT NOT NULL,
                        name TEXT NOT NULL,
                        description TEXT NOT NULL DEFAULT '',
                        active INTEGER NOT NULL DEFAULT 1,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    -- Identity: SKUs are unique by their Unicode lowercase form.
                    CREATE UNIQUE INDEX products_sku_key ON products(sku_key);

                    CREATE TABLE imports (
                        id TEXT PRIMARY KEY NOT NULL,
                        task_id TEXT UNIQUE,
                        file_path TEXT NOT NULL,
                        filename TEXT,
                        user_id TEXT,
                        options TEXT NOT NULL DEFAULT '{}',
                        state TEXT NOT NULL,
                        stage TEXT,
                        message TEXT,
                        error TEXT,
                        warnings TEXT NOT NULL DEFAULT '[]',
                        created INTEGER NOT NULL DEFAULT 0,
                        updated INTEGER NOT NULL DEFAULT 0,
                        skipped INTEGER NOT NULL DEFAULT 0,
                        rows_processed INTEGER NOT NULL DEFAULT 0,
                        error_count INTEGER NOT NULL DEFAULT 0,
                        bytes_read INTEGER NOT NULL DEFAULT 0,
                        bytes_total INTEGER NOT NULL DEFAULT 0,
                        checkpoint_offset INTEGER NOT NULL DEFAULT 0,
                        checkpoint_line INTEGER NOT NULL DEFAULT 1,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL
                    );
                    CREATE INDEX imports_created ON imports(created_at, id);

                    -- The first 1,000 row errors of each import (all are counted in imports).
                    CREATE TABLE import_errors (
                        import_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        line INTEGER NOT NULL,
                        column TEXT,
                        reason TEXT NOT NULL,
                        raw TEXT,
                        PRIMARY KEY (import_id, seq)
                    ) WITHOUT ROWID;

                    -- One row: which import (and which delivery of it, by its lease token) may write.
                    CREATE TABLE catalog_lock (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        import_id TEXT,
                        token INTEGER NOT NULL DEFAULT 0,
                        heartbeat_at REAL NOT NULL DEFAULT 0
                    );
                    INSERT INTO catalog_lock (id) VALUES (1);
                    """)
        }
        migrator.registerMigration("v2: products by active flag, product count") { db in
            // The `active` filter pages along this index, newest first within a flag.
            try db.execute(sql: "CREATE INDEX products_active ON products(active, id)")
            // The number of products, kept by every write that adds or removes one, so the
            // listing's exact total costs nothing.
            try db.execute(sql: "CREATE TABLE catalog_stats (id INTEGER PRIMARY KEY CHECK (id = 1), products INTEGER NOT NULL)")
            try db.execute(sql: "INSERT INTO catalog_stats (id, products) SELECT 1, COUNT(*) FROM products")
        }
        migrator.registerMigration("v3: the import's merge checkpoint") { db in
            // Imports merge the file's sorted runs in key order: the checkpoint is the last key
            // written, and progress counts the valid rows merged.
            try db.execute(sql: "ALTER TABLE imports ADD COLUMN checkpoint_key BLOB")
            try db.execute(sql: "ALTER TABLE imports ADD COLUMN rows_merged INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE imports DROP COLUMN checkpoint_offset")
            try db.execute(sql: "ALTER TABLE imports DROP COLUMN checkpoint_line")
        }
        migrator.registerMigration("v4: bulk deletes, import retries") { db in
            // A bulk delete (DESIGN.md §10): it deletes the products up to `boundary`, the newest
            // id when it started (NULL: the catalogue was empty), so products created meanwhile
            // survive; `deleted_count` is committed with each batch.
            try db.execute(
                sql: """
                    CREATE TABLE bulk_deletes (
                        id TEXT PRIMARY KEY NOT NULL,
                        task_id TEXT UNIQUE,
                        state TEXT NOT NULL,
                        total INTEGER NOT NULL DEFAULT 0,
                        deleted_count INTEGER NOT NULL DEFAULT 0,
                        kept_new INTEGER NOT NULL DEFAULT 0,
                        boundary TEXT,
                        message TEXT,
                        error TEXT,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL
                    );
                    CREATE INDEX bulk_deletes_created ON bulk_deletes(created_at, id);
                    ALTER TABLE imports ADD COLUMN retry_of TEXT;
                    CREATE UNIQUE INDEX imports_retry_of ON imports(retry_of) WHERE retry_of IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5: webhooks, their outbox, deliveries and attempts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhooks (
                        id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        events TEXT NOT NULL,
                        is_active INTEGER NOT NULL DEFAULT 1,
                        description TEXT NOT NULL DEFAULT '',
                        headers TEXT NOT NULL DEFAULT '{}',
                        secret TEXT NOT NULL,
                        retry_count INTEGER NOT NULL DEFAULT 3,
                        timeout_seconds REAL NOT NULL DEFAULT 10,
                        last_triggered_at REAL,
                        last_status_code INTEGER,
                        last_response_time_ms REAL,
                        last_error TEXT,
                        success_count INTEGER NOT NULL DEFAULT 0,
                        failure_count INTEGER NOT NULL DEFAULT 0,
                        consecutive_failures INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    -- The outbox: written in the transaction of the change it describes, handed to
                    -- the queue by the relay (dispatched_at), removed with old deliveries.
                    CREATE TABLE webhook_events (
                        id TEXT PRIMARY KEY NOT NULL,
                        event TEXT NOT NULL,
                        data TEXT NOT NULL,
                        occurred_at REAL NOT NULL,
                        dispatched_at REAL
                    );
                    CREATE INDEX webhook_events_undispatched ON webhook_events(id) WHERE dispatched_at IS NULL;
                    CREATE TABLE webhook_deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        webhook_id TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        event TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_status_code INTEGER,
                        last_response_time_ms REAL,
                        last_error TEXT,
                        next_attempt_at REAL,
                        task_id TEXT,
                        request_headers TEXT NOT NULL DEFAULT '{}',
                        request_body TEXT,
                        created_at REAL NOT NULL,
                        finished_at REAL,
                        UNIQUE (event_id, webhook_id)
                    );
                    CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
                    CREATE INDEX webhook_deliveries_open ON webhook_deliveries(webhook_id) WHERE state IN ('pending', 'retrying');
                    CREATE TABLE webhook_attempts (
                        id TEXT PRIMARY KEY NOT NULL,
                        delivery_id TEXT NOT NULL,
                        webhook_id TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        payload TEXT NOT NULL,
                        status_code INTEGER,
                        response_body TEXT,
                        response_time_ms REAL,
                        error TEXT,
                        delivery_state TEXT NOT NULL,
                        next_attempt_at REAL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX webhook_attempts_webhook ON webhook_attempts(webhook_id, id);
                    CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);
                    """)
        }
        // Every delivery attempt wrote ~7 pages: three b-trees of attempts besides the table (one
        // the TEXT primary key's, which nothing looks up), and the delivery's row, which grew by the
        // copy of its request and split its page. Now the attempt row keeps the request's headers
        // (its body was there already, `payload`) and the delivery row keeps its size; the detail's
        // request is its last attempt's. The old columns stay, emptied (DROP COLUMN needs 3.35).
        migrator.registerMigration("v6: attempts without their id index, the request with its attempt") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_attempts_v6 (
                        id TEXT NOT NULL,
                        delivery_id TEXT NOT NULL,
                        webhook_id TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        payload TEXT NOT NULL,
                        request_headers TEXT NOT NULL DEFAULT '{}',
                        status_code INTEGER,
                        response_body TEXT,
                        response_time_ms REAL,
                        error TEXT,
                        delivery_state TEXT NOT NULL,
                        next_attempt_at REAL,
                        created_at REAL NOT NULL
                    );
                    INSERT INTO webhook_attempts_v6 (id, delivery_id, webhook_id, attempt, payload, request_headers, status_code,
                        response_body, response_time_ms, error, delivery_state, next_attempt_at, created_at)
                    SELECT a.id, a.delivery_id, a.webhook_id, a.attempt, a.payload,
                        CASE WHEN a.id = (SELECT max(b.id) FROM webhook_attempts b WHERE b.delivery_id = a.delivery_id)
                            THEN coalesce(d.request_headers, '{}') ELSE '{}' END,
                        a.status_code, a.response_body, a.response_time_ms, a.error, a.delivery_state, a.next_attempt_at, a.created_at
                    FROM webhook_attempts a LEFT JOIN webhook_deliveries d ON d.id = a.delivery_id
                    ORDER BY a.id;
                    DROP TABLE webhook_attempts;
                    ALTER TABLE webhook_attempts_v6 RENAME TO webhook_attempts;
                    CREATE INDEX webhook_attempts_webhook ON webhook_attempts(webhook_id, id);
                    CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);
                    UPDATE webhook_deliveries SET request_headers = '{}', request_body = NULL
                    WHERE request_headers <> '{}' OR request_body IS NOT NULL;
                    """)
        }
        return migrator
    }
}
