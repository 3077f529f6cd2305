-- wrk script of bench/webhooks.sh: each thread sends exactly WEBHOOK_BENCH_PER_THREAD PATCHes,
-- each giving a product a name never used before (so each is a change, one product.updated
-- event), then only GET /healthz until the driver stops wrk. Product ids: WEBHOOK_BENCH_IDS.
-- WEBHOOK_BENCH_DELAY_MS (default 0) paces each connection: it waits that long before each request.
local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("tid", #threads)
end

function init(args)
    ids = {}
    for line in io.lines(os.getenv("WEBHOOK_BENCH_IDS")) do ids[#ids + 1] = line end
    limit = tonumber(os.getenv("WEBHOOK_BENCH_PER_THREAD"))
    prefix = os.getenv("WEBHOOK_BENCH_PREFIX")
    sent, answered, failed = 0, 0, 0
    -- wrk calls request() once in the first thread to check the script (script_verify_request)
    -- and never sends that one: that thread counts from -1.
    if tid == 1 then sent = -1 end
end

local pace = tonumber(os.getenv("WEBHOOK_BENCH_DELAY_MS") or "0")
if pace > 0 then
    function delay() return pace end
end

function request()
    if sent >= limit then return wrk.format("GET", "/healthz") end
    sent = sent + 1
    local id = ids[(sent * 7919 + tid * 104729) % #ids + 1]
    local body = string.format('{"name": "%s %d-%d"}', prefix, tid, sent)
    return wrk.format("PATCH", "/api/v1/products/" .. id, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    if status ~= 200 then
        failed = failed + 1
        io.stderr:write(string.format("PATCH answered %d: %s\n", status, body))
    end
    answered = answered + 1
    if answered >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
    local failures = 0
    for _, thread in ipairs(threads) do failures = failures + thread:get("failed") end
    io.stderr:write(string.format("failed PATCHes: %d\n", failures))
end
