// Explain: paste a request body, see how the live policies would route it (the router's own
// explain, POST /console/api/explain; no provider is called).
import { html, useState } from '/console/assets/ui.js';
import { post } from '/console/assets/api.js';
import { Table, Section, Badge, Facts } from '/console/assets/widgets.js';
import { usd, ms, num, compact } from '/console/assets/format.js';

const SAMPLE = JSON.stringify({ model: 'auto', input: 'Please refactor this function', metadata: { team: 'web' } }, null, 2);

function Answer({ ex }) {
  const d = ex.decision;
  return html`<div class="explain-answer" data-field="explain-answer">
    <${Section} title="Decision">
      <${Facts}
        items=${[
          ['Would go to', html`<code data-field="explain-target">${d.provider}/${d.model}</code>`],
          ['Mode', `${d.mode} (from ${d.mode_source})`],
          ['Confidence', num(d.confidence, 3)],
          ['Matched rules', d.rules.length ? d.rules.join(', ') : '—'],
          ['Fallback chain', d.fallback_chain.length ? d.fallback_chain.join(' → ') : '—'],
          ['Firewall', html`<${Badge} value=${ex.firewall.action === 'block' ? 'blocked' : 'info'} label=${ex.firewall.action} /> ${ex.firewall.rules.join(', ')}`],
          ['Input tokens (est.)', num(ex.estimated_input_tokens)],
          ['Policy version', html`<code>${ex.policy_version}</code>`],
        ]}
      />
      ${d.warnings.length ? html`<ul class="warnings">${d.warnings.map((w) => html`<li>⚠ ${w}</li>`)}</ul>` : null}
    <//>
    <${Section} title="Candidates">
      <${Table} caption="Candidates in score order" head=${['#', 'Provider / model', 'Via', 'Score', 'Cost', 'Latency', 'Quality']} empty=${ex.candidates.length ? null : 'No candidates.'}>
        ${ex.candidates.map(
          (c, i) => html`<tr>
            <td>${i + 1}</td><td><code>${c.provider}/${c.model}</code></td><td>${c.via}</td>
            <td class="num">${c.terms ? num(c.terms.score, 4) : '—'}</td>
            <td class="num">${c.terms ? usd(c.terms.cost_usd) : '—'}</td>
            <td class="num">${c.terms ? html`${ms(c.terms.latency_ms)} <span class="muted small">${c.terms.latency_source}</span>` : '—'}</td>
            <td class="num">${c.terms ? num(c.terms.quality, 2) : '—'}</td>
          </tr>`,
        )}
      <//>
    <//>
    ${ex.excluded?.length
      ? html`<${Section} title="Excluded">
          <${Table} caption="Models excluded by a filter" head=${['Model', 'Filter', 'Reason']}>
            ${ex.excluded.map((x) => html`<tr><td><code>${x.model}</code></td><td>${x.filter}</td><td>${x.reason}</td></tr>`)}
          <//>
        <//>`
      : null}
    <${Section} title="Rules">
      <${Table} caption="Every routing rule and whether it matched" head=${['Rule', 'Priority', 'Matched', 'Note']}>
        ${ex.rules.map(
          (r) => html`<tr class=${r.enabled ? '' : 'disabled'}>
            <td><code>${r.name}</code></td><td>${r.priority}</td>
            <td><${Badge} value=${r.matched ? 'success' : 'info'} label=${r.enabled ? (r.matched ? 'matched' : 'no') : 'disabled'} /></td>
            <td>${r.note ?? ''}</td>
          </tr>`,
        )}
      <//>
    <//>
    <details class="card raw"><summary>Raw answer (JSON)</summary><pre>${JSON.stringify(ex, null, 2)}</pre></details>
  </div>`;
}

export function Explain() {
  const [body, setBody] = useState(SAMPLE);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      setError(`The body is not JSON: ${err.message}`);
      return;
    }
    setBusy(true);
    try {
      setAnswer(await post('explain', parsed));
    } catch (err) {
      setAnswer(null);
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="page">
    <${Section} title="Explain a request">
      <form class="explain" onSubmit=${submit}>
        <label for="explain-body">Request body (Responses or Chat; add <code>"api": "chat"</code> to say which)</label>
        <textarea id="explain-body" rows="10" spellcheck="false" value=${body} onInput=${(e) => setBody(e.target.value)}></textarea>
        <div class="buttons"><button type="submit" disabled=${busy}>${busy ? 'Explaining…' : 'Explain'}</button></div>
      </form>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <//>
    ${answer ? html`<${Answer} ex=${answer} />` : null}
  </div>`;
}
