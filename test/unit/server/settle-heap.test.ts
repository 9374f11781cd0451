// settleHeapOnce runs one major GC per process and leaves no `gc` global behind.
// In a fresh Node process: this one's own heap and flags are mocha's.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/paths.js';

const MODULE = pathToFileURL(path.join(REPO_ROOT, 'dist', 'src', 'server', 'settle-heap.js')).href;

async function inChild(execArgv: string[]): Promise<{ first: number; second: number; gcInNewContext: string }> {
  const script = `
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    import { runInNewContext } from 'node:vm';
    const { settleHeapOnce } = await import(${JSON.stringify(MODULE)});
    let majors = 0;
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; });
    obs.observe({ entryTypes: ['gc'] });
    const flush = () => new Promise((r) => setTimeout(r, 50));
    await flush(); majors = 0;
    settleHeapOnce(); await flush();
    const first = majors; majors = 0;
    settleHeapOnce(); await flush();
    console.log(JSON.stringify({ first, second: majors, gcInNewContext: runInNewContext('typeof gc') }));
    obs.disconnect();
  `;
  const { stdout } = await promisify(execFile)(process.execPath, [...execArgv, '--input-type=module', '-e', script]);
  return JSON.parse(stdout.trim());
}

describe('settleHeapOnce', () => {
  it('runs one major GC the first time, none after, and leaves new contexts without gc', async () => {
    const r = await inChild([]);
    expect(r.first).to.be.at.least(1);
    expect(r.second).to.equal(0);
    expect(r.gcInNewContext).to.equal('undefined');
  });

  it('uses the exposed gc when the process runs with --expose-gc, and leaves the flag on', async () => {
    const r = await inChild(['--expose-gc']);
    expect(r.first).to.be.at.least(1);
    expect(r.gcInNewContext).to.equal('function');
  });
});
