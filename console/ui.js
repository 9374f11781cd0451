// The one place that binds htm to preact: every page imports `html` and the hooks from here,
// so the vendor paths (served by the router from node_modules, no build step) are named once.
import { h, render } from '/console/vendor/preact.mjs';
import { useState, useEffect, useRef, useMemo, useCallback } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';

export const html = htm.bind(h);
export { h, render, useState, useEffect, useRef, useMemo, useCallback };
