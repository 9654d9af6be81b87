import { addStepTime, CALL_STEPS, stepTotals, timed } from './step-times';

const total = (step: string) => stepTotals().find((t) => t.step === step)!;

test('a timed step adds its wall time and one run, whether it resolves or throws', async () => {
  const before = total('ledger');
  await expect(timed('ledger', () => new Promise((r) => setTimeout(() => r('done'), 30)))).resolves.toBe('done');
  await expect(timed('ledger', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  const after = total('ledger');
  expect(after.runs - before.runs).toBe(2);
  expect(after.seconds - before.seconds).toBeGreaterThanOrEqual(0.025);
});

test('every step is listed in call order, and nonsense is not counted', () => {
  expect(stepTotals().map((t) => t.step)).toEqual([...CALL_STEPS]);
  const before = stepTotals();
  addStepTime('sip', Number.NaN);
  addStepTime('sip', -5);
  addStepTime('nonsense' as never, 10);
  expect(stepTotals()).toEqual(before);
});
