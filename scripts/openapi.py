#!/usr/bin/env python3
"""Writes docs/openapi.json and Sources/Server/HTTP/OpenAPIDocument.swift from one description.
Run after changing a route: python3 scripts/openapi.py"""
import os
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import json
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def resp(desc, schema=None, ctype="application/json"):
    r={"description":desc}
    if schema is not None: r["content"]={ctype:{"schema":schema}}
    return r
err=lambda d: resp(d, ref("Error"))
def param(name, where="path", schema=None, desc=""):
    p={"name":name,"in":where,"required": where=="path","schema": schema or {"type":"string"}}
    if desc: p["description"]=desc
    return p
task_filters=[param("name","query"),param("queue","query"),param("worker","query",desc="the worker that ran it (name@host:pid)"),
    param("q","query",desc="a task id prefix, or a substring (ASCII case-insensitive) of the name, args, kwargs or error"),
    param("since","query",desc="enqueued at or after: ISO 8601 or Unix seconds"),param("until","query",desc="enqueued before: ISO 8601 or Unix seconds")]
task_id=param("task_id", schema={"type":"string","format":"uuid"}, desc="UUIDv7 task id")
auth_err={"401": err("Missing or wrong bearer token (when auth_token is set)")}
common={"400":err("Malformed request"),"405":err("Wrong method on a known path"),
 "503":err("Storage unavailable: the database is read-only, busy or failing (code storage_read_only, storage_busy, storage_unavailable); nothing was changed")}
full_err={"507":err("The data directory's disk is full (code storage_full); nothing was changed")}
nullable=lambda t: {"type":[t,"null"]}
EVENTS=["product.created","product.updated","product.deleted","products.bulk_deleted","import.started","import.completed","import.failed"]
STATES=["pending","retrying","succeeded","failed","cancelled"]
# A product's SKU or name: not blank once trimmed, no NUL character, at most `n` characters.
product_text=lambda n: {"type":"string","minLength":1,"maxLength":n,"pattern":"^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
time_=lambda: {"type":["string","null"],"format":"date-time"}
schemas={
 "Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"},"field":{"type":"string","description":"the request's field that is wrong (422)"}}}}},
 "TaskError":{"type":["object","null"],"properties":{"type":{"type":"string"},"message":{"type":"string"},"context":{}}},
 "TaskSubmission":{"type":"object","required":["name"],"additionalProperties":False,"properties":{
   "name":{"type":"string","minLength":1,"description":"registered task name"},"args":{"type":"array"},"kwargs":{"type":"object"},
   "queue":{"type":"string"},"priority":{"type":"integer","minimum":0,"maximum":9,"default":5},
   "countdown":{"type":"number","minimum":0},"eta":{"type":"string","format":"date-time"}}},
 "Submitted":{"type":"object","required":["task_id","status"],"properties":{"task_id":{"type":"string"},"status":{"const":"submitted"}}},
 "TestSubmitted":{"type":"object","required":["task_id","status","message"],"properties":{"task_id":{"type":"string"},"status":{"const":"submitted"},"message":{"type":"string"}}},
 "TaskSummary":{"type":"object","required":["task_id","name","queue","state","priority","enqueued_at"],"properties":{
   "task_id":{"type":"string"},"name":{"type":"string"},"queue":{"type":"string"},"priority":{"type":"integer"},
   "state":{"type":"string","enum":["PENDING","STARTED","PROGRESS","RETRY","SUCCESS","FAILURE","REVOKED"]},
   "enqueued_at":{"type":"string","format":"date-time"},"run_at":time_(),"date_done":time_(),"retries":{"type":"integer"},
   "deliveries":{"type":"integer"},"worker":nullable("string")}},
 "Attempt":{"type":"object","properties":{"delivery":{"type":"integer"},"worker":{"type":"string"},"started_at":time_(),"finished_at":time_(),
   "outcome":{"type":["string","null"],"enum":["SUCCESS","FAILURE","RETRY","REVOKED","LOST","RELEASED",None]},"error":ref("TaskError")}},
 "TaskDetail":{"allOf":[ref("TaskSummary"),{"type":"object","properties":{"args":{"type":"array"},"kwargs":{"type":"object"},
   "started_at":time_(),"lease_until":time_(),"expires_at":time_(),"lost_deliveries":{"type":"integer"},"revoke_requested":{"type":"boolean"},
   "progress":{},"result":{},"error":ref("TaskError"),"attempts":{"type":"array","items":ref("Attempt")},
   "retry_of":{"type":["string","null"],"description":"the dead letter this task re-runs"},"retried_as":{"type":["string","null"],"description":"the task that re-runs this one"}}}]},
 "TaskList":{"type":"object","required":["items","total","total_exact","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("TaskSummary")},
   "total":{"type":"integer"},"total_exact":{"type":"boolean","description":"false when a worker's successes were counted only up to 10,000: total is then a lower bound"},
   "limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "RevokeResult":{"type":"object","required":["task_id","state","status"],"properties":{"task_id":{"type":"string"},"state":{"type":"string"},"status":{"type":"string","enum":["revoked","revoke_requested","noop"]}}},
 "CeleryStatus":{"type":"object","required":["task_id","status","result","error"],"properties":{"task_id":{"type":"string"},"status":{"type":"string"},
   "result":{"description":"the result on SUCCESS, the progress meta while PROGRESS, else null"},"error":nullable("string"),
   "name":{"type":"string"},"queue":{"type":"string"},"retries":{"type":"integer"},"date_done":time_(),"worker":nullable("string"),"error_detail":ref("TaskError")}},
 "CeleryRevoke":{"type":"object","required":["status","message","task_id","state"],"properties":{"status":{"type":"string","enum":["success","noop"]},
   "message":{"type":"string"},"task_id":{"type":"string"},"state":{"type":"string"}}},
 "Workers":{"type":"object","required":["status","workers"],"properties":{"status":{"const":"success"},"workers":{"type":"object","required":["active","stats","registered_tasks"],"properties":{
   "active":{"type":"object","additionalProperties":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"args":{"type":"array"},"kwargs":{"type":"object"},"time_start":{"type":["number","null"]},"worker_pid":{"type":["integer","null"]}}}}},
   "stats":{"type":"object","additionalProperties":{"type":"object","properties":{"pid":{"type":"integer"},"hostname":{"type":"string"},"uptime":{"type":"integer"},
      "pools":{"type":"array","items":{"type":"object","properties":{"queues":{"type":"array","items":{"type":"string"}},"concurrency":{"type":"integer"}}}},
      "total":{"type":"object","additionalProperties":{"type":"integer"}},"failed":{"type":"object","additionalProperties":{"type":"integer"}},
      "prefetch_count":{"type":"integer"},"broker":{"type":"object","properties":{"transport":{"type":"string"},"path":{"type":"string"}}}}}},
   "registered_tasks":{"type":"array","items":{"type":"string"}}}}}},
 "TaskBulk":{"type":"object","required":["action"],"properties":{"action":{"enum":["revoke","retry","delete"],"description":"revoke: unfinished tasks; retry: FAILURE and REVOKED ones not retried before; delete: finished ones"},
   "ids":{"type":"array","minItems":1,"maxItems":10000,"items":{"type":"string","format":"uuid"},"description":"these tasks (or filter, not both)"},
   "filter":{"type":"object","additionalProperties":False,"description":"every task the listing would show with these filters",
     "properties":{"state":{"enum":["PENDING","STARTED","PROGRESS","RETRY","SUCCESS","FAILURE","REVOKED"]},"name":{"type":"string"},"queue":{"type":"string"},"worker":{"type":"string"},"q":{"type":"string"},"since":{"type":"string"},"until":{"type":"string"}}}}},
 "TaskBulkResult":{"type":"object","required":["action","matched","done","skipped"],"properties":{"action":{"type":"string"},"matched":{"type":"integer"},"done":{"type":"integer"},"skipped":{"type":"integer"}}},
 "TaskCounts":{"type":"object","required":["counts","total","at_least"],"properties":{"counts":{"type":"object","required":["PENDING","STARTED","PROGRESS","RETRY","SUCCESS","FAILURE","REVOKED"],
   "additionalProperties":{"type":"integer","minimum":0}},"total":{"type":"integer","minimum":0},
   "at_least":{"type":"array","items":{"type":"string"},"description":"states counted only up to 10,000 (a worker's successes): their count and the total are lower bounds"}}},
 "Session":{"type":"object","required":["auth_required","authenticated","version"],"properties":{"auth_required":{"type":"string","enum":["none","writes","all"]},"authenticated":{"type":"boolean"},"version":{"type":"string"}}},
 "Health":{"type":"object","required":["status","version","commit"],"properties":{"status":{"type":"string","enum":["healthy","unhealthy"]},
   "version":{"type":"string"},"commit":{"type":"string","description":"the git commit of a release build (scripts/release.sh); dev otherwise"},"database":{"type":"string","description":"ok; or read_only, full (the data directory cannot take writes; reads work), unreadable"},"workers":{"type":"integer"},"uptime":{"type":"integer"},"reason":{"type":"string"}}},
 "Queue":{"type":"object","required":["name","waiting","delayed","running","retrying","failed","oldest_waiting_age","paused"],"properties":{"name":{"type":"string"},
   "waiting":{"type":"integer"},"delayed":{"type":"integer"},"running":{"type":"integer"},"retrying":{"type":"integer"},"failed":{"type":"integer"},
   "oldest_waiting_age":{"type":["number","null"],"description":"seconds"},"paused":{"type":"boolean"}}},
 "Worker":{"type":"object","required":["name","host","pid","status","control","started_at","last_heartbeat","heartbeat_age_seconds","pools","concurrency","active","processed","failed","registered"],"properties":{
   "name":{"type":"string","description":"importer@host:pid"},"host":{"type":"string"},"pid":{"type":"integer"},
   "status":{"type":"string","enum":["online","stale"],"description":"stale: no heartbeat for 5 intervals (at least 10 s)"},
   "control":{"type":["string","null"],"enum":["quiet","stop",None],"description":"the operator's request in force"},
   "started_at":time_(),"last_heartbeat":time_(),"heartbeat_age_seconds":{"type":"number"},
   "pools":{"type":"array","items":{"type":"object","properties":{"queues":{"type":"array","items":{"type":"string"}},"concurrency":{"type":"integer"}}}},
   "concurrency":{"type":"integer"},
   "active":{"type":"array","items":{"type":"object","required":["task_id","name","queue","started_at","runtime_seconds","progress"],"properties":{
     "task_id":{"type":"string"},"name":{"type":"string"},"queue":{"type":"string"},"started_at":time_(),"runtime_seconds":{"type":["number","null"]},
     "progress":{"description":"the task's PROGRESS meta, or null"}}}},
   "processed":{"type":"integer","description":"finished tasks since the process started"},"failed":{"type":"integer"},
   "processed_by_task":{"type":"object","additionalProperties":{"type":"integer"}},"failed_by_task":{"type":"object","additionalProperties":{"type":"integer"}},
   "registered":{"type":"array","items":{"type":"string"}}}},
 "WorkerList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("Worker")},"total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "StatsTimeseries":{"type":"object","required":["range","step_seconds","points","totals"],"properties":{"range":{"type":"string","enum":["1h","24h","7d"]},
   "step_seconds":{"type":"integer","description":"60 for 1h, 600 for 24h, 3600 for 7d"},
   "points":{"type":"array","description":"oldest first, every point present (zeros included); t is the point's start","items":{"type":"object","required":["t","succeeded","failed","retried","revoked"],"properties":{
     "t":{"type":"string","format":"date-time"},"succeeded":{"type":"integer"},"failed":{"type":"integer"},"retried":{"type":"integer"},"revoked":{"type":"integer"}}}},
   "totals":{"type":"object","properties":{"succeeded":{"type":"integer"},"failed":{"type":"integer"},"retried":{"type":"integer"},"revoked":{"type":"integer"}}}}},
 "Durations":{"type":"object","required":["count","mean","p50","p95","max"],"description":"seconds; p50/p95 interpolated within histogram buckets","properties":{
   "count":{"type":"integer"},"mean":{"type":["number","null"]},"p50":{"type":["number","null"]},"p95":{"type":["number","null"]},"max":{"type":["number","null"]}}},
 "TaskStatsList":{"type":"object","required":["range","items","total"],"properties":{"range":{"type":"string"},"total":{"type":"integer"},"items":{"type":"array","items":{"type":"object",
   "required":["name","queues","succeeded","failed","retried","revoked","runtime","wait"],"properties":{"name":{"type":"string"},"queues":{"type":"array","items":{"type":"string"}},
   "succeeded":{"type":"integer"},"failed":{"type":"integer"},"retried":{"type":"integer"},"revoked":{"type":"integer"},
   "runtime":dict(ref("Durations"),description="finished deliveries: start to end"),"wait":dict(ref("Durations"),description="started deliveries: due time to start")}}}}},
 "MonitorOverview":{"type":"object","required":["queues","workers","throughput","tasks","recent_failures"],"properties":{
   "queues":{"type":"array","items":ref("Queue")},
   "workers":{"type":"object","required":["online","total"],"properties":{"online":{"type":"integer"},"total":{"type":"integer","description":"heard from in the last day"}}},
   "throughput":ref("StatsTimeseries"),"tasks":dict(ref("TaskStatsList"),description="the last hour, per task name"),
   "recent_failures":{"type":"array","description":"the five newest dead letters","items":{"type":"object"}}}},
 "Retried":{"type":"object","required":["task_id","retry_of","status"],"properties":{"task_id":{"type":"string"},"retry_of":{"type":"string"},"status":{"const":"submitted"}}},
 "QueueList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("Queue")},"total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "Product":{"type":"object","required":["id","sku","name","description","active","created_at","updated_at","etag"],"properties":{
   "id":{"type":"string"},"sku":{"type":"string"},"name":{"type":"string"},"description":{"type":"string"},"active":{"type":"boolean"},
   "created_at":{"type":"string","format":"date-time"},"updated_at":{"type":"string","format":"date-time"},
   "etag":{"type":"string","description":"the product's ETag (W/\"<version>\"), for If-Match on a later write: a listing's rows carry theirs"}}},
 "ProductList":{"type":"object","required":["items","total","limit","offset","has_more","next_cursor"],"properties":{"items":{"type":"array","items":ref("Product")},
   "total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"},
   "next_cursor":{"type":["string","null"],"description":"pass as cursor for the next page (keyset paging)"}}},
 "Import":{"type":"object","required":["import_id","state","percent","rows_processed","created","updated","skipped","errors"],"properties":{
   "import_id":{"type":"string"},"task_id":nullable("string"),"filename":nullable("string"),
   "state":{"type":"string","enum":["PENDING","RUNNING","SUCCESS","FAILURE","REVOKED"]},"stage":nullable("string"),"message":nullable("string"),
   "percent":{"type":"number"},"rows_processed":{"type":"integer"},"created":{"type":"integer"},"updated":{"type":"integer"},"skipped":{"type":"integer"},
   "errors":{"type":"integer"},"bytes_read":{"type":"integer"},"bytes_total":{"type":"integer"},"created_at":time_(),"started_at":time_(),"finished_at":time_(),
   "duration_seconds":{"type":["number","null"]},"error":nullable("string"),"warnings":{"type":"array","items":{"type":"string"}},"options":{"type":"object"},
   "retry_of":{"type":["string","null"],"description":"the failed or revoked import this one runs again"}}},
 "ImportList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("Import")},
   "total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "ImportErrorList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":{"type":"object",
   "properties":{"line":{"type":"integer"},"column":nullable("string"),"reason":{"type":"string"},"raw":{"type":"string"}}}},
   "total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "Uploaded":{"type":"object","required":["task_id","import_id","status","message","filename"],"properties":{"task_id":{"type":"string"},
   "import_id":{"type":"string"},"status":{"const":"submitted"},"message":{"type":"string"},"filename":{"type":"string"}}},
 "UploadStatus":{"type":"object","required":["task_id","state","progress_percent","current","total","created","updated","errors","message","error"],"properties":{
   "task_id":{"type":"string"},"state":{"type":"string","enum":["Pending","Processing","Completed","Failed"]},"progress_percent":{"type":"number"},
   "current":{"type":"integer"},"total":{"type":"integer","description":"rows; estimated from bytes until the import ends"},
   "created":{"type":"integer"},"updated":{"type":"integer"},"errors":{"type":"integer"},"message":{"type":"string"},"error":nullable("string")}},
 "Schedule":{"type":"object","required":["name","task","queue","priority","spec","timezone","enabled","configured","next_run","last_run","last_task_id"],"properties":{
   "name":{"type":"string"},"task":{"type":"string"},"queue":{"type":"string"},"priority":{"type":"integer","minimum":0,"maximum":9},
   "spec":{"type":"string","description":"'every Ns' or the cron expression"},"timezone":{"type":"string","description":"IANA time zone of a cron expression"},
   "enabled":{"type":"boolean"},"configured":{"type":"boolean","description":"false once the schedule left the configuration (then disabled)"},
   "next_run":time_(),"last_run":time_(),"last_task_id":nullable("string")}},
 "ScheduleList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("Schedule")},"total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "ScheduleRun":{"type":"object","required":["name","task_id","status"],"properties":{"name":{"type":"string"},"task_id":{"type":"string"},"status":{"const":"submitted"}}},
 "Purged":{"type":"object","required":["queue","purged"],"properties":{"queue":{"type":"string"},"purged":{"type":"integer"}}},
 "ProductCreate":{"type":"object","required":["sku","name"],"properties":{
   "sku":dict(product_text(255),description="trimmed, 1–255 characters, unique case-insensitively"),
   "name":dict(product_text(1024),description="trimmed, 1–1,024 characters"),
   "description":{"type":["string","null"],"maxLength":65536,"pattern":"^[^\\u0000]*$","description":"at most 65,536 characters; null is stored as \"\""},
   "active":{"type":"boolean","default":True}},
   "description":"unknown fields are ignored"},
 "ProductChanges":{"type":"object","minProperties":1,"properties":{
   "sku":product_text(255),"name":product_text(1024),"description":{"type":["string","null"],"maxLength":65536,"pattern":"^[^\\u0000]*$"},
   "active":{"type":"boolean"}},
   "description":"any non-empty subset of the fields (PUT and PATCH alike); unknown fields are ignored"},
 "BulkDeleteSubmitted":{"type":"object","required":["task_id","status","message"],"properties":{"task_id":{"type":"string"},"status":{"const":"submitted"},"message":{"type":"string"}}},
 "BulkDeleteStatus":{"type":"object","required":["task_id","status","message","percent","deleted_count","total","error"],"properties":{
   "task_id":nullable("string"),"status":{"type":"string","enum":["PENDING","PROGRESS","SUCCESS","FAILURE","REVOKED"]},"message":{"type":"string"},
   "percent":{"type":"number"},"deleted_count":{"type":"integer"},"total":{"type":"integer","description":"products when it started"},
   "kept_new":{"type":"integer","description":"products created while it ran, kept"},"error":nullable("string")}},
 "Webhook":{"type":"object","required":["id","url","events","is_active","has_secret","secret_hint"],"properties":{
   "id":{"type":"string"},"url":{"type":"string"},"events":{"type":"array","items":{"type":"string"}},"is_active":{"type":"boolean"},
   "description":{"type":"string"},"headers":{"type":"object","additionalProperties":{"type":"string"}},"retry_count":{"type":"integer"},
   "timeout_seconds":{"type":"number"},"has_secret":{"type":"boolean"},"secret_hint":{"type":"string","description":"the secret's last 4 characters"},
   "secret":{"type":"string","description":"only in the answer that created the webhook"},
   "last_triggered_at":time_(),"last_status_code":nullable("integer"),"last_response_time_ms":nullable("number"),"last_error":nullable("string"),
   "success_count":{"type":"integer"},"failure_count":{"type":"integer"},"consecutive_failures":{"type":"integer"},
   "pending_deliveries":{"type":"integer"},"created_at":time_(),"updated_at":time_()}},
 "WebhookList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("Webhook")},
   "total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "WebhookCreate":{"type":"object","required":["url","events"],"properties":{
   "url":{"type":"string","maxLength":2048,"pattern":"^https?://[^\\s@/]+(/\\S*)?$","description":"http or https, no user or password"},
   "events":{"type":"array","minItems":1,"items":{"type":"string","enum":EVENTS}},"is_active":{"type":"boolean","default":True},
   "description":{"type":["string","null"],"maxLength":1024},"headers":{"type":["object","null"],"additionalProperties":{"type":"string"},"description":"no reserved names (content-type, user-agent, x-webhook-*, webhook-*), no CR or LF"},
   "retry_count":{"type":"integer","minimum":0,"maximum":10,"default":3},"timeout_seconds":{"type":"number","minimum":1,"maximum":300,"default":10},
   "secret":{"type":"string","minLength":16,"maxLength":512,"description":"generated (whsec_…) when none is given"}},"description":"unknown fields are ignored"},
 "WebhookChanges":{"type":"object","minProperties":1,"properties":{
   "url":{"type":"string","maxLength":2048},"events":{"type":"array","minItems":1,"items":{"type":"string","enum":EVENTS}},"is_active":{"type":"boolean"},
   "description":{"type":["string","null"],"maxLength":1024},"headers":{"type":["object","null"],"additionalProperties":{"type":"string"}},
   "retry_count":{"type":"integer","minimum":0,"maximum":10},"timeout_seconds":{"type":"number","minimum":1,"maximum":300}},
   "description":"any non-empty subset (PUT and PATCH alike); the secret changes only with rotate-secret"},
 "WebhookSecret":{"type":"object","required":["id","secret"],"properties":{"id":{"type":"string"},"secret":{"type":"string"}}},
 "WebhookTest":{"type":"object","properties":{"event":{"type":"string","enum":EVENTS},"payload":{"description":"the data to send (default: the event's sample)"}}},
 "WebhookTestResult":{"type":"object","required":["success","status_code","response_time_ms","response_body","error","delivery_id","attempted_at"],"properties":{
   "success":{"type":"boolean"},"status_code":nullable("integer"),"response_time_ms":{"type":"number"},"response_body":nullable("string"),
   "error":nullable("string"),"delivery_id":{"type":"string"},"attempted_at":time_()}},
 "WebhookAttempt":{"type":"object","required":["id","webhook_id","event","payload","status_code","response_body","response_time_ms","error","created_at","delivery_id","event_id","attempt","kind","delivery_state","next_attempt_at"],"properties":{
   "id":{"type":"string"},"webhook_id":{"type":"string"},"event":{"type":"string"},"payload":{"description":"the body sent"},
   "status_code":nullable("integer"),"response_body":nullable("string"),"response_time_ms":nullable("number"),"error":nullable("string"),
   "created_at":time_(),"delivery_id":{"type":"string"},"event_id":{"type":"string"},"attempt":{"type":"integer"},
   "kind":{"type":"string","enum":["event","test"]},"delivery_state":{"type":"string","enum":STATES},"next_attempt_at":time_()}},
 "WebhookDelivery":{"type":"object","required":["id","webhook_id","event_id","event","state","attempts"],"properties":{
   "id":{"type":"string"},"webhook_id":{"type":"string"},"event_id":{"type":"string"},"event":{"type":"string"},"kind":{"type":"string","enum":["event","test"]},
   "state":{"type":"string","enum":STATES},"attempts":{"type":"integer"},"last_status_code":nullable("integer"),"last_response_time_ms":nullable("number"),
   "last_error":nullable("string"),"next_attempt_at":time_(),"task_id":nullable("string"),"created_at":time_(),"finished_at":time_(),
   "request":{"type":"object","description":"in the detail: the last request sent (url, headers, body; never the secret)"},
   "attempts_detail":{"type":"array","items":ref("WebhookAttempt"),"description":"in the detail: every attempt"}}},
 "WebhookDeliveryList":{"type":"object","required":["items","total","limit","offset","has_more"],"properties":{"items":{"type":"array","items":ref("WebhookDelivery")},
   "total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "Redelivered":{"type":"object","required":["delivery_id","task_id"],"properties":{"delivery_id":{"type":"string"},"task_id":{"type":"string"}}},
 "WebhookEvents":{"type":"object","required":["items"],"properties":{"items":{"type":"array","items":{"type":"object","required":["event","description","sample"],"properties":{
   "event":{"type":"string"},"description":{"type":"string"},"sample":{}}}},"total":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"has_more":{"type":"boolean"}}},
 "ImportRetried":{"type":"object","required":["task_id","import_id","retry_of","status"],"properties":{"task_id":{"type":"string"},
   "import_id":{"type":"string","description":"the new import"},"retry_of":{"type":"string"},"status":{"const":"submitted"}}},
}
def op(summary, responses, params=None, body=None, mutating=False, tag="tasks", public=False):
    o={"summary":summary,"tags":[tag],"responses":dict(responses)}
    o["responses"].update({k:v for k,v in common.items() if k not in o["responses"]})
    if not public: o["responses"]["401"]=auth_err["401"]
    if params:
        o["parameters"]=params
        # A query value out of its range or set is refused with 422 and says why.
        if any(p["in"]=="query" for p in params) and "422" not in o["responses"]:
            o["responses"]["422"]=err("A query value out of range")
    if body: o["requestBody"]={"required":True,"content":{"application/json":{"schema":body}}}
    if mutating:
        o["security"]=[{"bearer":[]}]
        o["responses"].update(full_err)
    return o
def with_etag(response, location=False):
    response["headers"]={"ETag":{"description":"W/\"<updated_at in ms>\": send it back as If-Match","schema":{"type":"string"}}}
    if location: response["headers"]["Location"]={"description":"the product's URL","schema":{"type":"string"}}
    return response
product_id=param("product_id", desc="the product's id (UUID); anything else is 404")
webhook_write={"200":resp("The webhook",ref("Webhook")),"404":err("Unknown webhook"),"413":err("Body too large"),"415":err("Not JSON"),
  "422":err("Empty body or an invalid field (named in error.field)")}
if_match=param("If-Match","header",desc="* or the product's ETag: a stale one is 412")
product_write={"200":with_etag(resp("The product",ref("Product"))),"404":err("Unknown product"),"409":err("sku_exists: another product has the SKU"),
  "412":err("precondition_failed: If-Match is stale"),"413":err("Body too large"),"415":err("Not JSON"),"422":err("Empty body or an invalid field (named in error.field)")}
paths={
 "/health":{"get":op("Health of the appliance (the seed's)",{"200":resp("Healthy",ref("Health")),"503":resp("Unhealthy, with the reason",ref("Health"))},tag="system",public=True)},
 "/api/v1/session":{"get":op("What the web UI needs to know of auth: which routes need the token, and whether the bearer token sent is the right one (never 401)",{"200":resp("Session",ref("Session"))},tag="system",public=True)},
 "/healthz":{"get":op("Health of the appliance",{"200":resp("Healthy",ref("Health")),"503":resp("Unhealthy, with the reason",ref("Health"))},tag="system",public=True)},
 "/metrics":{"get":op("Prometheus metrics",{"200":resp("Prometheus text format",{"type":"string"},"text/plain")},tag="system")},
 "/openapi.json":{"get":op("This document",{"200":resp("OpenAPI 3.1",{"type":"object"})},tag="system")},
 "/api/v1/celery/workers":{"get":op("Live workers: active tasks, stats, registered tasks (the seed's)",{"200":resp("Workers",ref("Workers"))},tag="celery")},
 "/api/v1/celery/test":{"post":op("Submit the test task (the seed's)",{"200":resp("Submitted",ref("TestSubmitted"))},mutating=True,tag="celery")},
 "/api/v1/celery/task/{task_id}":{
   "get":op("Task status (the seed's shape)",{"200":resp("Status",ref("CeleryStatus")),"404":err("Unknown or expired task")},[task_id],tag="celery"),
   "delete":op("Revoke a task (the seed's)",{"200":resp("Revoked, or noop for a finished task",ref("CeleryRevoke")),"404":err("Unknown or expired task")},[task_id],mutating=True,tag="celery")},
 "/api/v1/tasks":{
   "post":op("Submit a task by name",{"202":resp("Committed",ref("Submitted")),"413":err("Body or message too large"),"415":err("Not JSON"),"422":err("Unknown task or invalid values")},
      [param("Idempotency-Key","header",desc="the same key within 24 h returns the same task id")],ref("TaskSubmission"),mutating=True),
   "get":op("List tasks, newest first",{"200":resp("Tasks",ref("TaskList")),"422":err("Invalid filter")},
      [param("state","query",{"type":"string","enum":["PENDING","STARTED","PROGRESS","RETRY","SUCCESS","FAILURE","REVOKED"]})]+task_filters+
      [param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":20}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})])},
 "/api/v1/tasks/bulk":{"post":op("Revoke, retry or delete the tasks given by id, or all that match a filter; in batches",
   {"200":resp("What matched, what was done, what was skipped (not in a state the action applies to)",ref("TaskBulkResult")),"415":err("Not JSON"),"422":err("Invalid action, ids or filter")},
   [],ref("TaskBulk"),mutating=True)},
 "/api/v1/tasks/counts":{"get":op("Tasks per state under the listing's filters (all but state)",{"200":resp("Counts",ref("TaskCounts")),"422":err("Invalid filter")},task_filters)},
 "/api/v1/tasks/{task_id}":{"get":op("One task: message, attempts with errors, timings, progress",{"200":resp("Task",ref("TaskDetail")),"404":err("Unknown or expired task")},[task_id])},
 "/api/v1/tasks/{task_id}/revoke":{"post":op("Revoke a task",{"200":resp("Revoked, revoke requested (running), or noop (finished)",ref("RevokeResult")),"404":err("Unknown or expired task")},[task_id],mutating=True)},
 "/api/v1/queues":{"get":op("Counts per queue",{"200":resp("Queues",ref("QueueList"))},tag="queues")},
 "/api/v1/products/upload":{"post":dict(op("Upload a CSV (multipart field file, or a text/csv body; streamed to disk) and start its import",
   {"202":resp("Stored and enqueued",ref("Uploaded")),"400":err("Empty upload"),"413":err("Over max_upload_bytes"),"415":err("Neither multipart/form-data nor text/csv"),"422":err("atomic or dry_run not true/false")},
   [param("filename","query",desc="the name to record (default upload.csv)"),
    param("atomic","query",{"type":"boolean"},desc="all or nothing: one transaction for the whole file"),
    param("dry_run","query",{"type":"boolean"},desc="validate only and report what would change; nothing is written"),param("Idempotency-Key","header",desc="the same key within 24 h returns the same import")],
   mutating=True,tag="imports"),requestBody={"required":True,"content":{"text/csv":{"schema":{"type":"string","minLength":1}},
   "multipart/form-data":{"schema":{"type":"object","required":["file"],"properties":{"file":{"type":"string","minLength":1,"contentMediaType":"text/csv"}}}}}})},
 "/api/v1/imports/{import_id}/events":{"get":op("Server-Sent Events of an import: progress at least once a second, then complete or failed",
   {"200":resp("event: progress|complete|failed, data: the import as JSON",{"type":"object","required":["event","data"],"properties":{"event":{"enum":["progress","complete","failed"]},"data":{"type":"string","contentMediaType":"application/json"}}},"text/event-stream"),"404":err("Unknown import")},[param("import_id")],tag="imports")},
 "/api/v1/products/upload/{task_id}/status":{"get":op("Import status by task id (the seed's shape)",{"200":resp("Status",ref("UploadStatus")),"404":err("No import for this task")},[task_id],tag="imports")},
 "/api/v1/imports":{"get":op("Import history, newest first",{"200":resp("Imports",ref("ImportList")),"422":err("Invalid paging")},
   [param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":20}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="imports")},
 "/api/v1/imports/{import_id}":{"get":op("One import: state, counts, percent, stage, message, timings, error",{"200":resp("Import",ref("Import")),"404":err("Unknown import")},[param("import_id")],tag="imports")},
 "/api/v1/imports/{import_id}/errors":{"get":op("Row errors of an import (the first 1,000): JSON, or a CSV download",
   {"200":{"description":"Errors","content":{"application/json":{"schema":ref("ImportErrorList")},"text/csv":{"schema":{"type":"string"}}}},"404":err("Unknown import"),"422":err("Invalid format or paging")},
   [param("import_id"),param("format","query",{"type":"string","enum":["json","csv"],"default":"json"}),
    param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":100}),param("offset","query",{"type":"integer","minimum":0,"maximum":1000,"default":0})],tag="imports")},
 "/api/v1/products":{
 "post":op("Create a product",{"201":with_etag(resp("Created",ref("Product")),location=True),"409":err("sku_exists: another product has the SKU"),
   "413":err("Body too large"),"415":err("Not JSON"),"422":err("An invalid field (named in error.field)")},body=ref("ProductCreate"),mutating=True,tag="products"),
 "get":op("Products, newest first",{"200":resp("Products",ref("ProductList")),"422":err("Invalid filter")},
   [param("sku","query",desc="case-insensitive SKU prefix"),param("name","query",desc="case-insensitive substring"),param("description","query",desc="case-insensitive substring"),
    param("active","query",{"type":"string","enum":["true","false"]}),param("cursor","query",{"type":"string","pattern":"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},desc="the next_cursor of the previous page"),
    param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":20}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="products")},
 "/api/v1/products/all":{"delete":op("Delete every product through the queue (task bulk_delete_products, after running imports)",
   {"202":resp("Submitted",ref("BulkDeleteSubmitted")),"409":err("count_changed: expected_total is not the product count"),"422":err("Invalid expected_total")},
   [param("expected_total","query",{"type":"integer","minimum":0},desc="refuse unless the catalogue holds exactly this many products")],mutating=True,tag="products")},
 "/api/v1/products/delete/{task_id}/status":{"get":op("Bulk delete status (the seed's shape)",{"200":resp("Status",ref("BulkDeleteStatus")),"404":err("No bulk delete for this task")},[task_id],tag="products")},
 "/api/v1/products/{product_id}":{
   "get":op("One product",{"200":with_etag(resp("Product",ref("Product"))),"404":err("Unknown product")},[product_id],tag="products"),
   "put":op("Change a product: any non-empty subset of its fields (as PATCH)",product_write,[product_id,if_match],ref("ProductChanges"),mutating=True,tag="products"),
   "patch":op("Change a product: any non-empty subset of its fields",product_write,[product_id,if_match],ref("ProductChanges"),mutating=True,tag="products"),
   "delete":op("Delete a product",{"204":{"description":"Deleted"},"404":err("Unknown product"),"412":err("precondition_failed: If-Match is stale")},[product_id,if_match],mutating=True,tag="products")},
 "/api/v1/imports/{import_id}/retry":{"post":op("Run a failed or revoked import again as a new import of its kept upload",
   {"202":resp("Submitted",ref("ImportRetried")),"404":err("Unknown import"),"409":err("not_failed, upload_missing or already_retried")},[param("import_id")],mutating=True,tag="imports")},
 "/api/v1/webhooks":{
   "get":op("Webhooks, newest first",{"200":resp("Webhooks",ref("WebhookList")),"422":err("Invalid filter")},
      [param("is_active","query",{"type":"string","enum":["true","false"]}),param("event","query",{"type":"string","enum":EVENTS}),
       param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":20}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="webhooks"),
   "post":op("Create a webhook; this answer alone carries its secret",{"201":resp("Created, with the secret",ref("Webhook")),"413":err("Body too large"),"415":err("Not JSON"),
      "422":err("An invalid field (named in error.field)")},body=ref("WebhookCreate"),mutating=True,tag="webhooks")},
 "/api/v1/webhooks/events":{"get":op("The event types, each with a description and a sample of its data",{"200":resp("Event types",ref("WebhookEvents"))},tag="webhooks")},
 "/api/v1/webhooks/deliveries":{"get":op("Deliveries, newest first (state=failed: the dead letters)",{"200":resp("Deliveries",ref("WebhookDeliveryList")),"422":err("Invalid filter")},
   [param("webhook_id","query"),param("state","query",{"type":"string","enum":STATES}),param("event","query"),
    param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":20}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="webhooks")},
 "/api/v1/webhooks/deliveries/{delivery_id}":{"get":op("One delivery: the request sent and every attempt",{"200":resp("Delivery",ref("WebhookDelivery")),"404":err("Unknown delivery")},[param("delivery_id")],tag="webhooks")},
 "/api/v1/webhooks/deliveries/{delivery_id}/redeliver":{"post":op("Send the delivery's event again, signed anew",{"202":resp("Enqueued",ref("Redelivered")),"404":err("Unknown delivery or webhook")},[param("delivery_id")],mutating=True,tag="webhooks")},
 "/api/v1/webhooks/{webhook_id}":{
   "get":op("One webhook",{"200":resp("Webhook",ref("Webhook")),"404":err("Unknown webhook")},[param("webhook_id")],tag="webhooks"),
   "put":op("Change a webhook: any non-empty subset of its fields (as PATCH)",webhook_write,[param("webhook_id")],ref("WebhookChanges"),mutating=True,tag="webhooks"),
   "patch":op("Change a webhook: any non-empty subset of its fields",webhook_write,[param("webhook_id")],ref("WebhookChanges"),mutating=True,tag="webhooks"),
   "delete":op("Delete a webhook; its pending deliveries are cancelled",{"204":{"description":"Deleted"},"404":err("Unknown webhook")},[param("webhook_id")],mutating=True,tag="webhooks")},
 "/api/v1/webhooks/{webhook_id}/enable":{"post":op("Enable a webhook",{"200":resp("The webhook",ref("Webhook")),"404":err("Unknown webhook")},[param("webhook_id")],mutating=True,tag="webhooks")},
 "/api/v1/webhooks/{webhook_id}/disable":{"post":op("Disable a webhook; its pending deliveries are cancelled",{"200":resp("The webhook",ref("Webhook")),"404":err("Unknown webhook")},[param("webhook_id")],mutating=True,tag="webhooks")},
 "/api/v1/webhooks/{webhook_id}/rotate-secret":{"post":op("A new secret, shown in this answer only",{"200":resp("The new secret",ref("WebhookSecret")),"404":err("Unknown webhook")},[param("webhook_id")],mutating=True,tag="webhooks")},
 "/api/v1/webhooks/{webhook_id}/test":{"post":dict(op("One attempt now (also when disabled), timeout min(its own, 10 s); recorded as a test",
   {"200":resp("The attempt, whatever the receiver answered",ref("WebhookTestResult")),"404":err("Unknown webhook"),"415":err("Not JSON"),"422":err("Unknown event type")},
   [param("webhook_id")],mutating=True,tag="webhooks"),requestBody={"required":False,"content":{"application/json":{"schema":ref("WebhookTest")}}})},
 "/api/v1/webhooks/{webhook_id}/logs":{"get":op("A webhook's attempts, newest first: a bare JSON array",{"200":resp("Attempts",{"type":"array","items":ref("WebhookAttempt")}),"404":err("Unknown webhook")},
   [param("webhook_id"),param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":50}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="webhooks")},
 "/api/v1/schedules":{"get":op("Beat's schedules",{"200":resp("Schedules",ref("ScheduleList"))},
    [param("limit","query",{"type":"integer","minimum":1,"maximum":1000,"default":100}),param("offset","query",{"type":"integer","minimum":0,"maximum":2147483647,"default":0})],tag="schedules")},
 "/api/v1/schedules/{name}/run":{"post":op("Enqueue the schedule's task now (its timing unchanged)",{"202":resp("Submitted",ref("ScheduleRun")),"404":err("Unknown schedule")},[param("name")],mutating=True,tag="schedules")},
 "/api/v1/schedules/{name}/enable":{"post":op("Enable a schedule (until the configuration changes it)",{"200":resp("The schedule",ref("Schedule")),"404":err("Unknown schedule")},[param("name")],mutating=True,tag="schedules")},
 "/api/v1/schedules/{name}/disable":{"post":op("Disable a schedule (until the configuration changes it)",{"200":resp("The schedule",ref("Schedule")),"404":err("Unknown schedule")},[param("name")],mutating=True,tag="schedules")},
 "/api/v1/tasks/{task_id}/retry":{"post":op("Run a FAILURE or REVOKED task again as a new task linked to it",{"202":resp("Submitted",ref("Retried")),"404":err("Unknown or expired task"),"409":err("Not FAILURE/REVOKED, or retried already")},[task_id],mutating=True)},
 "/api/v1/workers":{"get":op("Worker processes heard from in the last day: heartbeat, pools, running tasks with progress, counts, control request",{"200":resp("Workers",ref("WorkerList"))},tag="workers")},
 "/api/v1/workers/{name}/quiet":{"post":op("Ask a worker to stop claiming tasks (running ones finish); persisted, obeyed within 1 s",{"200":resp("The worker",ref("Worker")),"404":err("No such worker in the last day"),"409":err("The worker is stopping")},[param("name",desc="importer@host:pid")],mutating=True,tag="workers")},
 "/api/v1/workers/{name}/resume":{"post":op("Clear a quiet request: the worker claims again",{"200":resp("The worker",ref("Worker")),"404":err("No such worker in the last day"),"409":err("The worker is stopping")},[param("name",desc="importer@host:pid")],mutating=True,tag="workers")},
 "/api/v1/workers/{name}/stop":{"post":op("Warm shutdown of a worker: it stops claiming, finishes running tasks within shutdown_grace and ends (an `importer worker` process exits; `serve` keeps its HTTP API)",{"200":resp("The worker",ref("Worker")),"404":err("No such worker in the last day")},[param("name",desc="importer@host:pid")],mutating=True,tag="workers")},
 "/api/v1/stats/timeseries":{"get":op("Succeeded, failed, retried and revoked tasks per minute (1h), 10 minutes (24h) or hour (7d), from the per-minute rollup that survives restarts",{"200":resp("Points",ref("StatsTimeseries")),"422":err("Unknown range")},[param("range","query",{"type":"string","enum":["1h","24h","7d"],"default":"1h"}),param("name","query",desc="one task name"),param("queue","query",desc="one queue")],tag="stats")},
 "/api/v1/stats/tasks":{"get":op("Per task name over the range: outcomes, and p50/p95/max of runtime and wait",{"200":resp("Tasks",ref("TaskStatsList")),"422":err("Unknown range")},[param("range","query",{"type":"string","enum":["1h","24h","7d"],"default":"1h"}),param("name","query",desc="one task name"),param("queue","query",desc="one queue")],tag="stats")},
 "/api/v1/monitor/overview":{"get":op("The monitor's overview in one answer: queue depths, workers online, the throughput of the range, the last hour per task name, the newest dead letters",{"200":resp("Overview",ref("MonitorOverview")),"422":err("Unknown range")},[param("range","query",{"type":"string","enum":["1h","24h","7d"],"default":"1h"},desc="the throughput chart's range")],tag="stats")},
 "/api/v1/queues/{name}/pause":{"post":op("Pause a queue: no claims from it (running jobs finish); persisted",{"200":resp("The queue",ref("Queue"))},[param("name")],mutating=True,tag="queues")},
 "/api/v1/queues/{name}/resume":{"post":op("Resume a paused queue",{"200":resp("The queue",ref("Queue"))},[param("name")],mutating=True,tag="queues")},
 "/api/v1/queues/{name}/purge":{"post":op("Delete the waiting jobs of a queue",{"200":resp("How many",ref("Purged"))},[param("name")],mutating=True,tag="queues")},
}
doc={"openapi":"3.1.0","info":{"title":"importer — product importer appliance","version":"0.1.0",
  "description":"HTTP API of the importer appliance: the seed application's Celery endpoints, tasks, queues, schedules, imports, products and webhooks. Errors are {\"error\": {\"code\", \"message\"}}. With auth_token set, mutating routes need Authorization: Bearer <token> (auth_read: all routes but the health checks)."},
 "servers":[{"url":"http://127.0.0.1:8000"}],
 "paths":paths,"components":{"schemas":schemas,"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}}}
text=json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False)
open(ROOT+"/docs/openapi.json","w").write(text+"\n")
compact=json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
swift='''/// The published description of the HTTP API (OpenAPI 3.1), served at `/openapi.json`; the
/// readable copy is `docs/openapi.json`. Both are written by `scripts/openapi.py`;
/// `OpenAPITests` checks that they agree and that every served route is documented and every
/// documented route is served.
public enum OpenAPIDocument {
    public static let json = #"""
''' + compact + '''
"""#
}
'''
open(ROOT+"/Sources/Server/HTTP/OpenAPIDocument.swift","w").write(swift)
