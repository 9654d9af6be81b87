/**
 * `npm run dial -- --host gw.example --to +4930123456 [options]`: one test call through a
 * trunk, the first thing anyone does with a new trunk. Prints the SIP exchange (one line per
 * message) and the outcome; exits 0 when the call was answered.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TrunkConfig } from '../call-types.js';
import { TelephonyEngine } from '../engine.js';
import { sineWave } from '../media/tone.js';
import { decodeWav } from '../media/wav.js';

const USAGE = `usage: npm run dial -- --host HOST --to NUMBER [options]
  --port 5060 --transport udp|tcp --user NAME --auth-user NAME
  --password PW (or SIP_PASSWORD in the environment, which keeps it out of ps)
  --realm NAME (answer digest challenges for this realm only)
  --caller-id NUMBER --display-name TEXT --register --proxy HOST:PORT
  --audio FILE.wav (8 kHz mono 16-bit; default 3 s of a 1 kHz tone) --record OUT.wav
  --ring-timeout 30 --max-call 60 (seconds) --bind 0.0.0.0 --public-address IP
  --rtp-ports 20000-20999`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string', default: '5060' },
      transport: { type: 'string', default: 'udp' },
      user: { type: 'string' },
      password: { type: 'string' },
      'auth-user': { type: 'string' },
      realm: { type: 'string' },
      'caller-id': { type: 'string', default: 'voicecast' },
      'display-name': { type: 'string' },
      register: { type: 'boolean', default: false },
      proxy: { type: 'string' },
      to: { type: 'string' },
      audio: { type: 'string' },
      record: { type: 'string' },
      'ring-timeout': { type: 'string', default: '30' },
      'max-call': { type: 'string', default: '60' },
      bind: { type: 'string', default: '0.0.0.0' },
      'public-address': { type: 'string' },
      'rtp-ports': { type: 'string', default: '20000-20999' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.host || !values.to) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (values.transport !== 'udp' && values.transport !== 'tcp') throw new Error('--transport is udp or tcp');
  const [min, max] = values['rtp-ports'].split('-').map(Number);
  const [proxyHost, proxyPort] = values.proxy?.split(':') ?? [];
  const trunk: TrunkConfig = {
    id: 'cli',
    host: values.host,
    port: Number(values.port),
    transport: values.transport,
    ...(values.user ? { username: values.user } : {}),
    ...((values.password ?? process.env.SIP_PASSWORD) ? { password: values.password ?? process.env.SIP_PASSWORD } : {}),
    ...(values['auth-user'] ? { authUsername: values['auth-user'] } : {}),
    ...(values.realm ? { realm: values.realm } : {}),
    ...(proxyHost ? { outboundProxy: { host: proxyHost, port: Number(proxyPort ?? 5060) } } : {}),
    callerId: {
      number: values['caller-id'],
      ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
    },
    register: values.register,
  };
  const audio = values.audio ? decodeWav(readFileSync(values.audio)) : undefined;
  if (audio && (audio.sampleRate !== 8000 || audio.channels !== 1)) throw new Error('--audio must be 8 kHz mono');

  const started = Date.now();
  const engine = new TelephonyEngine({
    bindAddress: values.bind,
    ...(values['public-address'] ? { publicAddress: values['public-address'] } : {}),
    rtpPorts: { min: min ?? 20000, max: max ?? 20999 },
    onSipTrace: (direction, message, peer) => {
      const first = message.split('\r\n', 1)[0];
      const ms = String(Date.now() - started).padStart(6);
      process.stdout.write(`${ms} ms ${direction === 'out' ? '→' : '←'} ${peer.host}:${peer.port}  ${first}\n`);
    },
  });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const result = await engine.dial(
      {
        trunk,
        destination: values.to,
        audio: audio?.samples ?? sineWave({ frequency: 1000, durationMs: 3000, amplitude: 8000 }),
        ringTimeoutMs: Number(values['ring-timeout']) * 1000,
        maxCallMs: Number(values['max-call']) * 1000,
        record: Boolean(values.record),
        onEvent: (event) =>
          process.stdout.write(`         ${event.type}${'digit' in event ? ` ${event.digit}` : ''}\n`),
      },
      abort.signal,
    );
    if (values.record && result.recording) writeFileSync(values.record, result.recording);
    const { recording: _recording, ...printable } = result;
    process.stdout.write(`${JSON.stringify(printable, null, 2)}\n`);
    return result.outcome === 'answered' ? 0 : 1;
  } finally {
    await engine.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`dial failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
