/**
 * Runs the built web app (adapter-node) as a child process, through
 * scripts/serve.js so that static files carry the security headers too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './paths.ts';
import { portInUse } from './ports.ts';
import { stopProcess, killOnExit } from './synapse.ts';

export interface AppServerOptions {
	port: number;
	/** The homeserver URL as the browser must reach it. */
	homeserverPublicUrl: string;
	/** The data folder of the homeserver (service credential for the server side). */
	dataDir: string;
	host?: string;
	env?: Record<string, string>;
	quiet?: boolean;
}

export interface RunningApp {
	url: string;
	process: ChildProcess;
	stop(): Promise<void>;
}

export async function startAppServer(opts: AppServerOptions): Promise<RunningApp> {
	const host = opts.host ?? 'localhost';
	if (await portInUse(opts.port)) {
		throw new Error(
			`Port ${opts.port} is already in use. Stop whatever listens there, or choose another port (CASUS_APP_PORT).`
		);
	}
	const url = `http://${host}:${opts.port}`;
	const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'serve.js')], {
		cwd: ROOT,
		stdio: opts.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
		env: {
			...process.env,
			PORT: String(opts.port),
			HOST: host === 'localhost' ? '127.0.0.1' : host,
			ORIGIN: url,
			PUBLIC_HOMESERVER_URL: opts.homeserverPublicUrl,
			CASUS_DATA_DIR: opts.dataDir,
			...opts.env
		}
	});
	killOnExit(child);
	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`The web app exited with code ${child.exitCode} during start-up`);
		try {
			const res = await fetch(`http://127.0.0.1:${opts.port}/login`);
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) throw new Error('The web app did not start within 30 s');
		await new Promise((r) => setTimeout(r, 200));
	}
	return { url, process: child, stop: () => stopProcess(child, 5_000) };
}
