-- wrk script: replay a fixed list of requests, each exactly once, then stop.
--
-- wrk runs for a fixed duration; this script instead sends its thread's share of the lines
-- of a body file (line i goes to thread i mod threads), stamps the first send and the last
-- answer with a monotonic clock (LuaJIT ffi), drops a marker file when its share is done,
-- and stops its thread. `bench/wrk.py` interrupts wrk once every marker exists and computes
-- the rate from the stamps, so the figure is requests over the time they really took.
--
-- args: body_file path threads marker_dir [header_name header_value]

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local stamp = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, stamp) -- CLOCK_MONOTONIC
  return tonumber(stamp.tv_sec) + tonumber(stamp.tv_nsec) * 1e-9
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mine = {}
local sent = 0
local answered = 0
local filler
marker = nil
first_sent = 0
last_answer = 0
answers = 0
statuses = ""
local counts = {}

function init(args)
  local body_file, path, nthreads = args[1], args[2], tonumber(args[3])
  marker = args[4] .. "/thread-" .. id
  local headers = { ["Content-Type"] = "application/json" }
  if args[5] then
    headers[args[5]] = args[6]
  end
  local index = 0
  for line in io.lines(body_file) do
    if index % nthreads == id then
      table.insert(mine, wrk.format("POST", path, headers, line))
    end
    index = index + 1
  end
  -- Sent by connections that are still open once the share is used up; never counted.
  filler = wrk.format("GET", "/healthz")
end

function request()
  sent = sent + 1
  if sent == 1 then
    first_sent = now()
  end
  if sent <= #mine then
    return mine[sent]
  end
  return filler
end

function response(status, headers, body)
  if answered >= #mine then
    return
  end
  answered = answered + 1
  counts[status] = (counts[status] or 0) + 1
  if answered == #mine then
    last_answer = now()
    answers = answered
    local parts = {}
    for code, count in pairs(counts) do
      table.insert(parts, code .. ":" .. count)
    end
    statuses = table.concat(parts, ",")
    local file = io.open(marker, "w")
    file:write("done\n")
    file:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last, total = nil, 0, 0
  local parts = {}
  for _, thread in ipairs(threads) do
    local t_first = thread:get("first_sent")
    if first == nil or (t_first > 0 and t_first < first) then
      first = t_first
    end
    last = math.max(last, thread:get("last_answer"))
    total = total + thread:get("answers")
    local s = thread:get("statuses")
    if s and s ~= "" then
      table.insert(parts, s)
    end
  end
  io.write(string.format(
    '\nBENCH-RESULT {"answers": %d, "seconds": %.6f, "statuses": "%s", ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"socket_errors": %d, "timeouts": %d}\n',
    total, last - first, table.concat(parts, ","),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout))
end
