-- wrk script of bench/webhooks.sh: each thread sends exactly WEBHOOK_BENCH_PER_THREAD PATCHes,
-- each giving a product a name never used before (so each is a change, one product.updated
-- event), then only GET /healthz until the driver stops wrk. Product ids: WEBHOOK_BENCH_IDS.
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function init(args)
    ids = {}
    for line in io.lines(os.getenv("WEBHOOK_BENCH_IDS")) do ids[#ids + 1] = line end
    limit = tonumber(os.getenv("WEBHOOK_BENCH_PER_THREAD"))
    prefix = os.getenv("WEBHOOK_BENCH_PREFIX")
    sent, answered, failed = 0, 0, 0
end

function request()
    if sent >= limit then return wrk.format("GET", "/healthz") end
    sent = sent + 1
    local id = ids[(sent * 7919 + tid * 104729) % #ids + 1]
    local body = string.format('{"name": "%s %d-%d"}', prefix, tid, sent)
    return wrk.format("PATCH", "/api/v1/products/" .. id, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    if status ~= 200 then failed = failed + 1 end
    answered = answered + 1
    if answered >= limit then wrk.thread:stop() end
end
