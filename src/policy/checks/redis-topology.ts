// Settings.state.redis: what the schema cannot say. Sentinel and cluster modes
// need their nodes as plain host:port (no scheme, and never "user:pass@": a
// policy file lives in git, passwords come from the environment), sentinel
// mode needs the monitored name, and a database number means one standalone
// Redis (a cluster has only database 0).

/** One problem: the JSON pointer under Settings.spec (e.g. /state/redis/nodes/0) and the message. */
export interface RedisSettingProblem {
  sub: string;
  message: string;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/;

export function redisTopologyProblems(redis: Record<string, unknown>): RedisSettingProblem[] {
  const out: RedisSettingProblem[] = [];
  const at = '/state/redis';
  const mode = typeof redis.mode === 'string' ? redis.mode : 'standalone';
  const nodes = Array.isArray(redis.nodes) ? redis.nodes : undefined;
  if ((mode === 'sentinel' || mode === 'cluster') && !nodes) out.push({ sub: at, message: `redis.nodes is required in ${mode} mode (host:port of each ${mode === 'sentinel' ? 'sentinel' : 'seed node'})` });
  nodes?.forEach((n, i) => {
    if (typeof n !== 'string') return; // the schema reports the type
    if (n.includes('@')) out.push({ sub: `${at}/nodes/${i}`, message: 'a Redis node must not contain credentials: set REDIS_PASSWORD (or REDIS_PASSWORD_FILE) in the environment instead' });
    else if (!HOST_PORT.test(n) || Number(n.slice(n.lastIndexOf(':') + 1)) < 1 || Number(n.slice(n.lastIndexOf(':') + 1)) > 65535) {
      out.push({ sub: `${at}/nodes/${i}`, message: `"${n}" is not host:port (e.g. redis-0.redis:6379)` });
    }
  });
  if (mode === 'standalone' && nodes && nodes.length > 1) out.push({ sub: `${at}/nodes`, message: 'standalone mode connects to one Redis: give one node (or use mode sentinel or cluster)' });
  if (mode === 'sentinel' && typeof redis.sentinelName !== 'string') out.push({ sub: at, message: 'redis.sentinelName is required in sentinel mode (the name in the sentinels\' "sentinel monitor <name> …")' });
  if (mode !== 'sentinel' && redis.sentinelName !== undefined) out.push({ sub: `${at}/sentinelName`, message: `sentinelName applies to sentinel mode only (mode is ${mode})` });
  if (mode === 'cluster' && redis.db !== undefined && redis.db !== 0) out.push({ sub: `${at}/db`, message: 'a Redis Cluster has only database 0: remove db' });
  return out;
}
