-- Prints the latency tail of a wrk run (95th to 100th percentile, in 0.05 steps, in µs),
-- so benchmarks/tracking.py can merge the rounds' distributions into one true p99.
-- (wrk's percentile(100) answers 0: the maximum is latency.max.)
done = function(summary, latency, requests)
  for step = 0, 99 do
    local p = 95 + step * 0.05
    io.write(string.format("TAIL %.2f %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("TAIL 100.00 %d\n", latency.max))
end
