// One EventSource for the whole console (GET /console/api/live): `stats` every 2 s and a
// `decision` per request. Pages subscribe through the hooks below, so values move without a reload
// and without every page opening its own connection (the server allows 20 in all).
import { useState, useEffect } from '/console/assets/ui.js';

let source = null;
let stats = null;
let connected = false;
const statsListeners = new Set();
const decisionListeners = new Set();
const stateListeners = new Set();

function setConnected(v) {
  connected = v;
  for (const fn of stateListeners) fn(v);
}

export function startLive() {
  wanted = true;
  if (source) return;
  source = new EventSource('/console/api/live');
  source.addEventListener('open', () => setConnected(true));
  // EventSource reconnects by itself; the indicator shows the gap meanwhile.
  source.addEventListener('error', () => setConnected(false));
  source.addEventListener('stats', (e) => {
    stats = JSON.parse(e.data);
    for (const fn of statsListeners) fn(stats);
  });
  source.addEventListener('decision', (e) => {
    const d = JSON.parse(e.data);
    for (const fn of decisionListeners) fn(d);
  });
}

// Leaving the page closes the stream at once: browsers allow six connections per host, and a
// page kept in the back/forward cache would otherwise hold one open. Coming back reopens it.
let wanted = false;
addEventListener('pagehide', () => {
  source?.close();
  source = null;
  setConnected(false);
});
addEventListener('pageshow', (e) => {
  if (e.persisted && wanted) startLive();
});

export function stopLive() {
  wanted = false;
  source?.close();
  source = null;
  stats = null;
  setConnected(false);
}

/** The latest LiveStats (null until the first `stats` event). */
export function useLiveStats() {
  const [value, set] = useState(stats);
  // Effects run after paint: catch up with an event that came between render and subscription.
  useEffect(() => (statsListeners.add(set), set(stats), () => statsListeners.delete(set)), []);
  return value;
}

export function useLiveConnected() {
  const [value, set] = useState(connected);
  useEffect(() => (stateListeners.add(set), set(connected), () => stateListeners.delete(set)), []);
  return value;
}

/** Calls `fn` with each new DecisionSummary while the component is mounted. */
export function useLiveDecisions(fn) {
  useEffect(() => (decisionListeners.add(fn), () => decisionListeners.delete(fn)), [fn]);
}
