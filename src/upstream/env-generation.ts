// A counter that moves whenever process.env is written, so values derived from
// it (provider keys, the AWS chain's probe key) can be kept between requests.
// A process.env read is a call into C++ (getenv under a lock); routing read
// every provider's key variables on every request. Nothing outside the process
// can change its environment, but code inside it can (tests and the demo set
// and unset keys between requests), so process.env is wrapped once in a Proxy
// whose write traps (set, delete, define) advance the counter; reads pass
// straight through. A later `process.env = …` is noticed by identity and the
// new object is wrapped in turn. Not seen: a native addon calling setenv(3)
// directly (nothing in this project does).

let generation = 0;
let watched: NodeJS.ProcessEnv | undefined;
/** The proxies made here: one put back (a test restoring a saved process.env) is adopted, not wrapped again. */
const ours = new WeakSet<object>();

/** The current generation of process.env: equal numbers mean no write happened in between. */
export function envGeneration(): number {
  if (process.env !== watched) watch();
  return generation;
}

function watch(): void {
  generation++;
  if (ours.has(process.env)) {
    watched = process.env;
    return;
  }
  const target = process.env;
  watched = new Proxy(target, {
    set(t, key, value) {
      generation++;
      return Reflect.set(t, key, value);
    },
    deleteProperty(t, key) {
      generation++;
      return Reflect.deleteProperty(t, key);
    },
    defineProperty(t, key, descriptor) {
      generation++;
      return Reflect.defineProperty(t, key, descriptor);
    },
  });
  ours.add(watched);
  process.env = watched;
}
