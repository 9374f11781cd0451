// When the OTEL_* environment turns tracing on (telemetry/tracing.ts): an exporter asked for, not disabled.
import { expect } from 'chai';
import { tracingRequested } from '../../../src/telemetry/tracing.js';

describe('tracingRequested', () => {
  it('is off with no OTEL_* variable, and with only a service name or sampler', () => {
    expect(tracingRequested({})).to.equal(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).to.equal(false);
  });
  it('is on with an OTLP endpoint (all signals or traces) or a traces exporter', () => {
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).to.equal(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).to.equal(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).to.equal(true);
  });
  it('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none win', () => {
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).to.equal(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).to.equal(false);
  });
});
