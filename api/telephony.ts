/**
 * The API process's telephony engine. Only trunk tests need it, so it is made on first use
 * (no SIP socket until then) and closed on shutdown.
 */
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { TrunkNetworks, type ServicePort } from '../lib/trunk-networks.js';
import type { TrunkConfig } from '../telephony/call-types.js';
import { TelephonyEngine } from '../telephony/engine.js';
import type { TrunkProbeOptions, TrunkProbeResult } from '../telephony/trunk-probe.js';

export class LazyTelephony {
  private engine: TelephonyEngine | undefined;

  private readonly networks: TrunkNetworks;

  constructor(
    private readonly settings: Config['telephony'],
    private readonly logger: Logger,
    servicePorts: readonly ServicePort[] = [],
  ) {
    this.networks = new TrunkNetworks(settings.trunkAllowedNetworks, servicePorts);
  }

  probe(trunk: TrunkConfig, options: TrunkProbeOptions): Promise<TrunkProbeResult> {
    this.engine ??= new TelephonyEngine({
      bindAddress: this.settings.bindAddress,
      ...(this.settings.publicAddress ? { publicAddress: this.settings.publicAddress } : {}),
      rtpPorts: this.settings.rtpPorts,
      logger: this.logger.child({ component: 'telephony' }),
      addressPolicy: (address, port) => this.networks.refusal(address, port),
    });
    return this.engine.probe(trunk, options);
  }

  async close(): Promise<void> {
    await this.engine?.close();
  }
}
