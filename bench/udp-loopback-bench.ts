/**
 * `make bench-udp-loopback`: what a UDP peer on the same machine costs the sender, to read
 * `make bench-sip`'s BENCH_RTP_ECHO=1 figures by. 1,000 sockets each send one 172-byte
 * packet (an RTP packet of 20 ms G.711) every 20 ms, 250 times, as one burst, to:
 * - a socket of the sending process itself (nobody to wake: the baseline);
 * - a peer process reading every packet (as sipp does with -rtp_echo);
 * - a peer process sending every packet back (our process then also receives 50,000 a second).
 * Prints each burst's duration (median, p90) and the sending process's CPU. On loopback the
 * kernel delivers a packet inside the sender's system call, waking the reader if it sleeps;
 * on a VM that wake-up is an interrupt to another vCPU. Prints figures; asserts nothing.
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';

const SOCKETS = 1000;
const BURSTS = 250;
const LOOPBACK = '127.0.0.1';

type PeerMode = 'read' | 'echo';

/** The peer: binds, reports its port, reads (and echoes) until killed. */
function runPeer(mode: PeerMode): void {
  const socket = createSocket('udp4');
  socket.on('message', (packet, from) => {
    if (mode === 'echo') socket.send(packet, from.port, from.address);
  });
  socket.bind(0, LOOPBACK, () => process.send?.(socket.address().port));
}

function bound(): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.on('message', () => undefined);
    socket.bind(0, LOOPBACK, () => resolve(socket));
  });
}

async function bursts(label: string, senders: Socket[], port: number): Promise<void> {
  const packet = Buffer.alloc(172);
  const times: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < BURSTS; i += 1) {
    const start = performance.now();
    for (const socket of senders) socket.send(packet, port, LOOPBACK);
    await new Promise((resolve) => setImmediate(resolve)); // until the sends are handed to the kernel
    times.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const used = process.cpuUsage(cpu);
  const share = ((used.user + used.system) / 1000 / (performance.now() - started)) * 100;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.floor(q * (times.length - 1))].toFixed(2);
  process.stdout.write(
    `  ${label.padEnd(36)} burst of ${SOCKETS} sends: median ${at(0.5)} ms, p90 ${at(0.9)} ms; CPU ${share.toFixed(0)} % of one core\n`,
  );
}

async function main(): Promise<void> {
  const senders = await Promise.all(Array.from({ length: SOCKETS }, bound));
  const own = await bound();
  process.stdout.write(`UDP on loopback, ${SOCKETS} sockets sending every 20 ms (${SOCKETS * 50} packets/s):\n`);
  await bursts('to a socket of this process', senders, own.address().port);
  for (const mode of ['read', 'echo'] as const) {
    const peer = fork(__filename, ['peer', mode], { stdio: 'inherit' });
    try {
      const port = await new Promise<number>((resolve) => peer.once('message', (m) => resolve(Number(m))));
      await bursts(
        mode === 'read' ? 'to a peer process reading them' : 'to a peer process echoing them',
        senders,
        port,
      );
    } finally {
      peer.kill();
    }
  }
  for (const socket of [...senders, own]) socket.close();
}

if (process.argv[2] === 'peer') runPeer(process.argv[3] === 'echo' ? 'echo' : 'read');
else
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
