/**
 * Vitest global setup for the hardening project: its own throwaway Synapse
 * (test profile), because these tests restart it. Tests ask for a restart
 * through a small control endpoint on loopback (they run in worker processes,
 * the homeserver's process handle lives here).
 */
import http from 'node:http';
import type { TestProject } from 'vitest/node';
import { startThrowawaySynapse } from '../support/throwaway-synapse.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { ensureDirectoryRoom } from '../../src/lib/server/directory-admin.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		hardening: { dataDir: string; homeserverUrl: string; control: string };
	}
}

export default async function setup(project: TestProject) {
	const synapse = await startThrowawaySynapse({ label: 'hardening' });
	const config = configFromDataDir(synapse.dataDir);
	await ensureDirectoryRoom(await connectService(config), config.serverName);
	let restarts = 0;
	const control = http.createServer((req, res) => {
		if (req.method === 'POST' && req.url === '/restart') {
			synapse
				.restart()
				.then(() => {
					restarts++;
					res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ restarts }));
				})
				.catch((err: unknown) => res.writeHead(500).end(String(err)));
			return;
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
	const address = control.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	project.provide('hardening', {
		dataDir: synapse.dataDir,
		homeserverUrl: synapse.info.homeserverUrl,
		control: `http://127.0.0.1:${port}`
	});
	return async () => {
		control.close();
		await synapse.cleanup();
	};
}
