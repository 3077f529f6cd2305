import PostgresSupport
import TaskQueue

extension PostgresCatalogStore {
    /// The catalogue's schema on PostgreSQL: the tables of `SQLiteCatalogStore`'s migrations as
    /// they stand. Ids, keys and the texts the listing filters are `COLLATE "C"`: byte order as in
    /// SQLite, and `ILIKE` folding ASCII case only, as SQLite's `LIKE` does (DESIGN.md §14).
    /// Shipped migrations never change; later changes are new steps.
    static let migrator = PostgresMigrator(
        module: "catalog",
        steps: [
            (
                "v1: products, imports, the catalogue lock, bulk deletes, webhooks",
                [
                    """
                    CREATE TABLE products (
                        id text COLLATE "C" PRIMARY KEY,
                        sku text NOT NULL,
                        sku_key text COLLATE "C" NOT NULL UNIQUE,
                        name text COLLATE "C" NOT NULL,
                        description text COLLATE "C" NOT NULL DEFAULT '',
                        active boolean NOT NULL DEFAULT true,
                        created_at double precision NOT NULL,
                        updated_at double precision NOT NULL
                    )
                    """,
                    // The `active` filter pages along this index, newest first within a flag.
                    "CREATE INDEX products_active ON products (active, id)",
                    // The number of products, kept by every write that adds or removes one.
                    "CREATE TABLE catalog_stats (id integer PRIMARY KEY CHECK (id = 1), products bigint NOT NULL)",
                    "INSERT INTO catalog_stats (id, products) VALUES (1, 0)",
                    """
                    CREATE TABLE imports (
                        id text COLLATE "C" PRIMARY KEY,
                        task_id text COLLATE "C" UNIQUE,
                        file_path text NOT NULL,
                        filename text,
                        user_id text,
                        options text NOT NULL DEFAULT '{}',
                        state text COLLATE "C" NOT NULL,
                        stage text,
                        message text,
                        error text,
                        warnings text NOT NULL DEFAULT '[]',
                        created bigint NOT NULL DEFAULT 0,
                        updated bigint NOT NULL DEFAULT 0,
                        skipped bigint NOT NULL DEFAULT 0,
                        rows_processed bigint NOT NULL DEFAULT 0,
                        error_count bigint NOT NULL DEFAULT 0,
                        bytes_read bigint NOT NULL DEFAULT 0,
                        bytes_total bigint NOT NULL DEFAULT 0,
                        rows_merged bigint NOT NULL DEFAULT 0,
                        checkpoint_key bytea,
                        created_at double precision NOT NULL,
                        started_at double precision,
                        finished_at double precision,
                        retry_of text COLLATE "C"
                    )
                    """,
                    "CREATE INDEX imports_created ON imports (created_at, id)",
                    "CREATE UNIQUE INDEX imports_retry_of ON imports (retry_of) WHERE retry_of IS NOT NULL",
                    // The first 1,000 row errors of each import (all are counted in imports).
                    """
                    CREATE TABLE import_errors (
                        import_id text COLLATE "C" NOT NULL,
                        seq bigint NOT NULL,
                        line bigint NOT NULL,
                        "column" text,
                        reason text NOT NULL,
                        raw text,
                        PRIMARY KEY (import_id, seq)
                    )
                    """,
                    // One row: which operation (and which delivery of it, by its lease token) may write.
                    """
                    CREATE TABLE catalog_lock (
                        id integer PRIMARY KEY CHECK (id = 1),
                        import_id text COLLATE "C",
                        token bigint NOT NULL DEFAULT 0,
                        heartbeat_at double precision NOT NULL DEFAULT 0
                    )
                    """,
                    "INSERT INTO catalog_lock (id) VALUES (1)",
                    """
                    CREATE TABLE bulk_deletes (
                        id text COLLATE "C" PRIMARY KEY,
                        task_id text COLLATE "C" UNIQUE,
                        state text NOT NULL,
                        total bigint NOT NULL DEFAULT 0,
                        deleted_count bigint NOT NULL DEFAULT 0,
                        kept_new bigint NOT NULL DEFAULT 0,
                        boundary text COLLATE "C",
                        message text,
                        error text,
                        created_at double precision NOT NULL,
                        started_at double precision,
                        finished_at double precision
                    )
                    """,
                    "CREATE INDEX bulk_deletes_created ON bulk_deletes (created_at, id)",
                    """
                    CREATE TABLE webhooks (
                        id text COLLATE "C" PRIMARY KEY,
                        url text NOT NULL,
                        events text NOT NULL,
                        is_active boolean NOT NULL DEFAULT true,
                        description text NOT NULL DEFAULT '',
                        headers text NOT NULL DEFAULT '{}',
                        secret text NOT NULL,
                        retry_count bigint NOT NULL DEFAULT 3,
                        timeout_seconds double precision NOT NULL DEFAULT 10,
                        last_triggered_at double precision,
                        last_status_code bigint,
                        last_response_time_ms double precision,
                        last_error text,
                        success_count bigint NOT NULL DEFAULT 0,
                        failure_count bigint NOT NULL DEFAULT 0,
                        consecutive_failures bigint NOT NULL DEFAULT 0,
                        created_at double precision NOT NULL,
                        updated_at double precision NOT NULL
                    )
                    """,
                    // The outbox: written in the transaction of the change it describes, handed to
                    // the queue by a relay (dispatched_at), removed with old deliveries.
                    """
                    CREATE TABLE webhook_events (
                        id text COLLATE "C" PRIMARY KEY,
                        event text NOT NULL,
                        data text NOT NULL,
                        occurred_at double precision NOT NULL,
                        dispatched_at double precision
                    )
                    """,
                    "CREATE INDEX webhook_events_undispatched ON webhook_events (id) WHERE dispatched_at IS NULL",
                    """
                    CREATE TABLE webhook_deliveries (
                        id text COLLATE "C" PRIMARY KEY,
                        webhook_id text COLLATE "C" NOT NULL,
                        event_id text COLLATE "C" NOT NULL,
                        event text COLLATE "C" NOT NULL,
                        kind text NOT NULL,
                        state text COLLATE "C" NOT NULL,
                        attempts bigint NOT NULL DEFAULT 0,
                        last_status_code bigint,
                        last_response_time_ms double precision,
                        last_error text,
                        next_attempt_at double precision,
                        task_id text,
                        request_headers text NOT NULL DEFAULT '{}',
                        request_body text,
                        created_at double precision NOT NULL,
                        finished_at double precision,
                        UNIQUE (event_id, webhook_id)
                    )
                    """,
                    "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
                    "CREATE INDEX webhook_deliveries_open ON webhook_deliveries (webhook_id) WHERE state IN ('pending', 'retrying')",
                    """
                    CREATE TABLE webhook_attempts (
                        id text COLLATE "C" PRIMARY KEY,
                        delivery_id text COLLATE "C" NOT NULL,
                        webhook_id text COLLATE "C" NOT NULL,
                        attempt bigint NOT NULL,
                        payload text NOT NULL,
                        status_code bigint,
                        response_body text,
                        response_time_ms double precision,
                        error text,
                        delivery_state text NOT NULL,
                        next_attempt_at double precision,
                        created_at double precision NOT NULL
                    )
                    """,
                    "CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id)",
                    "CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id)",
                ]
            ),
            (
                "v2: uploads kept for every host",
                [
                    """
                    CREATE TABLE uploads (
                        name text COLLATE "C" PRIMARY KEY,
                        bytes bigint NOT NULL,
                        chunks bigint NOT NULL,
                        created_at double precision NOT NULL
                    )
                    """,
                    // Chunks are written before their upload's row, and go with it.
                    """
                    CREATE TABLE upload_chunks (
                        name text COLLATE "C" NOT NULL,
                        seq bigint NOT NULL,
                        data bytea NOT NULL,
                        PRIMARY KEY (name, seq),
                        FOREIGN KEY (name) REFERENCES uploads (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
                    )
                    """,
                ]
            ),
        ])
}
