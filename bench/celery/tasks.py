"""The Celery side of the comparison (issue 9): the same no-op task and the CSV import a
typical Celery solution of this assignment writes (csv module + sqlite3 executemany upserts
in 5,000-row batches, into a products table like the seed's: UUID primary key, unique
case-insensitive SKU, name, description, active, timestamps)."""
import csv
import os
import sqlite3
import time
import uuid

import redis
from celery import Celery

BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6390/0")
app = Celery("bench", broker=BROKER, backend=BROKER)
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
)
_redis = redis.Redis.from_url(BROKER)


@app.task(name="bench.noop")
def noop(sent_at=None):
    # Counted so the driver knows when the backlog is drained; the enqueue-to-start latency
    # is recorded when the driver sends its own timestamp.
    if sent_at is not None:
        _redis.rpush("bench:latency", time.time() - sent_at)
    _redis.incr("bench:done")
    return None


@app.task(name="bench.import_csv")
def import_csv(path, db_path):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        """CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, sku TEXT NOT NULL, sku_key TEXT NOT NULL UNIQUE,
           name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
           created_at REAL, updated_at REAL)""")
    sql = """INSERT INTO products (id, sku, sku_key, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(sku_key) DO UPDATE SET sku = excluded.sku, name = excluded.name,
             description = excluded.description, updated_at = excluded.updated_at"""
    rows = 0
    batch = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            sku = (record.get("sku") or "").strip()
            name = (record.get("name") or "").strip()
            if not sku or not name:
                continue
            now = time.time()
            batch.append((str(uuid.uuid4()), sku, sku.lower(), name, record.get("description") or "", now, now))
            rows += 1
            if len(batch) >= 5000:
                db.executemany(sql, batch)
                db.commit()
                batch.clear()
    if batch:
        db.executemany(sql, batch)
        db.commit()
    count = db.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    db.close()
    return {"rows": rows, "products": count}


@app.task(name="bench.import_csv_pg")
def import_csv_pg(path, dsn, schema):
    """The same import into the seed's own database, PostgreSQL, as a typical Celery task writes
    it with psycopg2: `execute_values` upserts of 5,000 rows, a commit per batch."""
    import psycopg2
    from psycopg2.extras import execute_values

    db = psycopg2.connect(dsn)
    cursor = db.cursor()
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}")
    cursor.execute(
        """CREATE TABLE IF NOT EXISTS products (id uuid PRIMARY KEY, sku text NOT NULL, sku_key text NOT NULL UNIQUE,
           name text NOT NULL, description text NOT NULL DEFAULT '', active boolean NOT NULL DEFAULT true,
           created_at timestamptz, updated_at timestamptz)""")
    db.commit()
    sql = """INSERT INTO products (id, sku, sku_key, name, description, created_at, updated_at) VALUES %s
             ON CONFLICT (sku_key) DO UPDATE SET sku = excluded.sku, name = excluded.name,
             description = excluded.description, updated_at = excluded.updated_at"""
    rows = 0
    batch = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            sku = (record.get("sku") or "").strip()
            name = (record.get("name") or "").strip()
            if not sku or not name:
                continue
            # One row per key in a statement: PostgreSQL refuses to update a row twice in one upsert.
            batch[sku.lower()] = (str(uuid.uuid4()), sku, sku.lower(), name, record.get("description") or "", "now", "now")
            rows += 1
            if len(batch) >= 5000:
                execute_values(cursor, sql, list(batch.values()), page_size=5000)
                db.commit()
                batch.clear()
    if batch:
        execute_values(cursor, sql, list(batch.values()), page_size=5000)
        db.commit()
    cursor.execute("SELECT COUNT(*) FROM products")
    count = cursor.fetchone()[0]
    db.close()
    return {"rows": rows, "products": count}
