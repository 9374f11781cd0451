// A sliding 60 s window kept in a Redis hash of 1 s buckets (field = epoch
// second, value = count), as Lua shared by the scripts that need one: the
// same arithmetic as MinuteWindow in memory. Buckets that left the window are
// deleted as they are read; a bucket ahead of this replica's clock (another
// replica's clock runs a little fast) counts, which errs on the safe side.

/** Defines window(key, sec) → sum, oldest non-empty second (or -1). */
export const WINDOW_LUA = `
local function window(k, sec)
  local all = redis.call('HGETALL', k)
  local sum, oldest = 0, -1
  for i = 1, #all, 2 do
    local s = tonumber(all[i])
    local v = tonumber(all[i + 1])
    if s <= sec - 60 then
      redis.call('HDEL', k, all[i])
    else
      sum = sum + v
      if v > 0 and (oldest == -1 or s < oldest) then oldest = s end
    end
  end
  return sum, oldest
end
`;

/** Milliseconds until the oldest counted second leaves the window (0: none counted). */
export function freeInMs(oldestSecond: number, now: number): number {
  return oldestSecond < 0 ? 0 : Math.max(0, (oldestSecond + 60) * 1000 - now);
}
