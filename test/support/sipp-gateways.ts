/**
 * sipp as the gateway in a test file: `gateway()` starts one on free loopback ports and
 * every one started is stopped after each test; `expectSippExit()` fails with sipp's own
 * logs quoted, so a scenario that went another way explains itself.
 */
import {
  describeSippExit,
  startSippUas,
  type SippInstance,
  type SippTransport,
  type SippUasOptions,
} from '../../scripts/services/sipp';

type GatewayOptions = Omit<SippUasOptions, 'transport'> & { readonly transport?: SippTransport };

/** Call at the top of a test file (it registers an `afterEach`); `defaults` apply to every gateway. */
export function sippGateways(
  defaults: Partial<SippUasOptions> = {},
): (options: GatewayOptions) => Promise<SippInstance> {
  const running: SippInstance[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((g) => g.stop()));
  });
  return async (options) => {
    const transport = options.transport ?? defaults.transport;
    if (!transport) throw new Error(`no transport for the sipp gateway ${options.scenario}`);
    const instance = await startSippUas({ timeoutMs: 30_000, ...defaults, ...options, transport });
    running.push(instance);
    return instance;
  };
}

/** Waits for sipp to exit and fails unless it exited with `code` (0: every call went as the scenario says). */
export async function expectSippExit(sipp: SippInstance, code: number, timeoutMs = 35_000): Promise<void> {
  const exit = await sipp.waitForExit(timeoutMs);
  if (exit.code !== code) {
    throw new Error(`sipp ${describeSippExit(exit)}, expected exit ${code}\n${sipp.diagnostics()}`);
  }
}
