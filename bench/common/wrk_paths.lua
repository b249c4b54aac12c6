-- wrk script for bench/common/load.py: send GET requests for the paths in a file, in order, and stop
-- after a given number of responses.
--
--   wrk -t1 -cC -dTs --timeout 60s -s bench/common/wrk_paths.lua http://127.0.0.1:PORT -- PATHS_FILE MAX_RESPONSES
--
-- Run with one thread (-t1): the counters live in that thread's Lua state. When the limit is
-- reached the thread stops and prints WRK_LIMIT_REACHED; the caller then sends SIGINT so that wrk
-- ends before its -d time bound. wrk's own duration counts until that signal, so throughput is
-- computed here from a monotonic clock: first request sent to last response received.
-- The last stdout line is `WRK_RESULT {json}`.

local ffi = require("ffi")
ffi.cdef([[
struct wrk_paths_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct wrk_paths_timespec *tp);
]])
local timespec = ffi.new("struct wrk_paths_timespec")
local CLOCK_MONOTONIC = 1

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  limit = tonumber(args[2])
  sent, answered, failed = 0, 0, 0
  statuses = {}
  statuses_json = "{}"  -- thread:get copies strings, not functions: kept up to date here
  first_sent, last_answer = 0, 0
  stopped = false
end

function request()
  if sent == 0 then
    first_sent = now()
  end
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) % #paths + 1])
end

function response(status, headers, body)
  answered = answered + 1
  last_answer = now()
  if status ~= 200 then
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
    statuses_json = json_counts(statuses)
  end
  if answered >= limit and not stopped then
    stopped = true
    io.write("WRK_LIMIT_REACHED\n")
    io.flush()
    wrk.thread:stop()
  end
end

function json_counts(counts)
  local parts = {}
  for status, count in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local t = threads[1]
  local e = summary.errors
  local out = string.format(
    '{"sent": %d, "answered": %d, "failed": %d, "first_sent": %.6f, "last_answer": %.6f, '
      .. '"socket_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "statuses": %s}',
    t:get("sent"), t:get("answered"), t:get("failed"), t:get("first_sent"), t:get("last_answer"),
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    t:get("statuses_json")
  )
  io.write("WRK_RESULT " .. out .. "\n")
end
