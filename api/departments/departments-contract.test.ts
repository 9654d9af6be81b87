/**
 * The department limits' bounds, written as tsoa annotations in departments.dto.ts (tsoa
 * takes literals only), are the owner policy's (campaign/owner-policy.ts): a department may
 * not allow what an owner's policy could never be set to.
 */
import { FREQUENCY_CAP_LIMITS, MAX_CONCURRENT_CALLS_LIMIT } from '../../campaign/owner-policy.js';
import generated from '../generated/swagger.json';

type Schema = { properties: Record<string, { minimum?: number; maximum?: number }> };
const schemas = (generated as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;

test.each(['CreateDepartmentRequest', 'UpdateDepartmentRequest'])(
  '%s: maxConcurrentCalls within the owner policy bounds',
  (name) => {
    expect(schemas[name]?.properties.maxConcurrentCalls).toMatchObject({
      minimum: 1,
      maximum: MAX_CONCURRENT_CALLS_LIMIT,
    });
  },
);

test('the frequency cap has the owner policy bounds', () => {
  const cap = schemas.DepartmentFrequencyCap?.properties;
  expect(cap?.maxCalls).toMatchObject({ minimum: 1, maximum: FREQUENCY_CAP_LIMITS.maxCalls });
  expect(cap?.windowSeconds).toMatchObject({ minimum: 1, maximum: FREQUENCY_CAP_LIMITS.windowSeconds });
});
