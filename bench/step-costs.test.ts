import { describeStepCosts, parseStepSample } from './step-costs';

const exposition = (claim: number, leases: number, sip: number): string =>
  [
    '# HELP voicecast_call_step_seconds_total Wall-clock seconds',
    '# TYPE voicecast_call_step_seconds_total counter',
    `voicecast_call_step_seconds_total{step="claim"} ${claim}`,
    `voicecast_call_step_seconds_total{step="leases"} ${leases}`,
    `voicecast_call_step_seconds_total{step="sip"} ${sip}`,
    `voicecast_call_step_runs_total{step="leases"} ${leases * 100}`,
    'voicecast_call_step_seconds_total{step="nonsense"} 99',
    'voicecast_worker_process_cpu_seconds_total 12',
  ].join('\n');

test('reads the two step counters and ignores everything else', () => {
  const sample = parseStepSample(exposition(0.5, 2, 40));
  expect(sample.claim).toEqual({ seconds: 0.5, runs: 0 });
  expect(sample.leases).toEqual({ seconds: 2, runs: 200 });
  expect(sample.sip.seconds).toBe(40);
  expect(sample.journal).toEqual({ seconds: 0, runs: 0 });
  expect(Object.keys(sample)).not.toContain('nonsense');
});

test('per call: the growth between samples over the calls, the SIP call left out of the shares', () => {
  const [steps, outside] = describeStepCosts(
    parseStepSample(exposition(0.5, 2, 40)),
    parseStepSample(exposition(1.5, 5, 240)),
    100,
  );
  expect(steps).toContain('claim 10.0 (0.00)');
  expect(steps).toContain('leases 30.0 (3.00)');
  expect(steps).toContain('sip 2000.0 (0.00)');
  expect(outside).toBe('outside the SIP call 40.0 ms per call; most: leases 75 %, claim 25 %, setup 0 %');
  expect(describeStepCosts(parseStepSample(''), parseStepSample(''), 0)).toEqual(['per call: no call placed']);
});
