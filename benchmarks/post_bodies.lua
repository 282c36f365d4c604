-- wrk script for benchmarks/ingest.py: POST each line of a file in turn, with a bearer token.
-- Usage: wrk -s post_bodies.lua URL -- BODIES_FILE TOKEN
local bodies, next_body = {}, 1
local threads = 0

function setup(thread)  -- runs once per thread, before init: spread the threads over the file
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  next_body = (offset * 7919) % #bodies + 1
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, body)
end
