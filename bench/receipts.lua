-- wrk script for bench/ingest.py: POST 8x8 SMS delivery receipts, every request a fresh umid.
-- Arguments (after "--"): run prefix (8 hex digits), mode ("fresh" or "mix"), webhook secret,
-- number of threads, time of "delivered", time of the earlier "sent", and the mean pause in ms
-- before each request (0: none, as fast as answers come; else uniform in [0.5, 1.5] x it, so
-- the connections do not march in step): the pause sets an offered load instead of a maximum.
-- In "mix" mode 3 requests in 10 are not new: a copy of another thread's receipt, a late
-- "sent" for a message already delivered, and a copy of that late receipt.
-- Run with one connection per thread, so each thread has at most one request in flight and
-- its responses arrive in request order: request k of thread t is answered by response k.
-- done() prints one line "wrk-result {json}" with each thread's accounting and the latencies.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("id", #threads)
end

local run, mode, nthreads, delivered_at, sent_at, pause_ms
sent, ok, bad, lost, pending = 0, 0, {}, {}, nil

function init(args)
    run, mode, nthreads = args[1], args[2], tonumber(args[4])
    delivered_at, sent_at = args[5], args[6]
    pause_ms = tonumber(args[7] or "0")
    wrk.method = "POST"
    wrk.path = "/webhooks/8x8"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. args[3]
end

local function umid(t, k)
    return string.format("%s-%04x-4000-8000-%012x", run, t, k)
end

local function receipt(message, state, detail, at)
    return '{"namespace":"SMS","eventType":"outbound_message_status_changed",'
        .. '"description":"SMS outbound message delivery receipt","payload":{"umid":"'
        .. message .. '","subAccountId":"Acme_Notif","source":"ACME",'
        .. '"destination":"+6591234567","status":{"state":"' .. state .. '","detail":"'
        .. detail .. '","timestamp":"' .. at .. '"},"smsCount":1,'
        .. '"clientMessageId":"order-48213-otp"}}'
end

-- The body of request k of thread t; bench/ingest.py computes the same in `expected_receipt`.
local function body(t, k)
    local kind = k % 10
    if mode == "fresh" or kind <= 6 then
        return receipt(umid(t, k), "delivered", "delivered_to_recipient", delivered_at)
    end
    local other = t % nthreads + 1
    if kind == 7 then
        return body(other, k - 1)
    elseif kind == 8 then
        return receipt(umid(other, k - 2), "sent", "sent_to_operator", sent_at)
    end
    return body(t, k - 1)
end

function delay()
    if pause_ms > 0 then
        return math.random(math.floor(pause_ms / 2), math.floor(pause_ms * 3 / 2))
    end
    return 0
end

function request()
    if pending then
        table.insert(lost, pending)
    end
    sent = sent + 1
    pending = sent
    return wrk.format(nil, nil, nil, body(id, sent))
end

function response(status, headers, answer)
    if status == 200 then
        ok = ok + 1
    else
        table.insert(bad, pending)
    end
    pending = nil
end

local function list(values)
    local parts = {}
    for _, value in ipairs(values) do
        table.insert(parts, tostring(value))
    end
    return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
    local rows = {}
    for _, thread in ipairs(threads) do
        local unanswered = thread:get("lost")
        local last = thread:get("pending")
        if last then
            table.insert(unanswered, last)
        end
        table.insert(rows, string.format('{"id":%d,"sent":%d,"ok":%d,"bad":%s,"unanswered":%s}',
            thread:get("id"), thread:get("sent"), thread:get("ok"), list(thread:get("bad")),
            list(unanswered)))
    end
    local errors = summary.errors
    io.write(string.format(
        'wrk-result {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
            .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
            .. '"threads":[%s]}\n',
        summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0),
        errors.connect, errors.read, errors.write, errors.status, errors.timeout,
        table.concat(rows, ",")))
end
