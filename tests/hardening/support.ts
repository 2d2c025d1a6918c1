/**
 * Shared pieces of the hardening suite: the world on this project's own
 * homeserver, restarting it, and a fault-injecting TCP proxy for network drops.
 */
import net from 'node:net';
import { inject } from 'vitest';
import { openWorld, type World } from '../support/world.ts';

let world: Promise<World> | undefined;
export function hardeningWorld(): Promise<World> {
	world ??= openWorld(inject('hardening').dataDir);
	return world;
}

/** Stops and starts the homeserver (same data, same port); resolves when it is healthy again. */
export async function restartHomeserver(): Promise<void> {
	const res = await fetch(`${inject('hardening').control}/restart`, { method: 'POST' });
	if (!res.ok) throw new Error(`restart failed: ${await res.text()}`);
}

export type FaultMode = 'pass' | 'drop' | 'lose-responses';

/**
 * A loopback TCP proxy in front of the homeserver for one client:
 *  - pass: forwards both ways;
 *  - drop: cuts every open connection and refuses new ones (cable pulled);
 *  - lose-responses: requests still reach the homeserver, answers are thrown
 *    away (the nasty case: the server did the work, the client never heard).
 */
export class FaultProxy {
	mode: FaultMode = 'pass';
	private server: net.Server;
	private sockets = new Set<net.Socket>();
	port = 0;

	constructor(private readonly upstreamPort: number) {
		this.server = net.createServer((client) => {
			if (this.mode === 'drop') return void client.destroy();
			const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
			this.sockets.add(client).add(upstream);
			const close = () => {
				client.destroy();
				upstream.destroy();
				this.sockets.delete(client);
				this.sockets.delete(upstream);
			};
			client.on('data', (d) => this.mode !== 'drop' && upstream.write(d));
			upstream.on('data', (d) => this.mode === 'pass' && client.write(d));
			client.on('error', close).on('close', close);
			upstream.on('error', close).on('close', close);
		});
	}

	async start(): Promise<string> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		this.port = (this.server.address() as net.AddressInfo).port;
		return `http://127.0.0.1:${this.port}`;
	}

	set(mode: FaultMode): void {
		this.mode = mode;
		if (mode === 'drop') for (const s of this.sockets) s.destroy();
	}

	async stop(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		await new Promise<void>((r) => this.server.close(() => r()));
	}
}
