/**
 * Synapse as a worker deployment: a main process, an event persister and
 * generic workers, on PostgreSQL and Redis, behind nginx.
 *
 * nginx (Debian's package, run by scripts/lib/nginx.ts as a child process with
 * everything in <data>/nginx) routes each client request by path to the
 * process that serves it (sync → sync1, event sending and room reads →
 * client1, everything else → main). Its configuration is generated from ROUTES
 * below on every start: the one source of the routes. Clients, tools and the
 * web app only ever see nginx's URL, which is written into instance.json as
 * homeserverUrl (README, "Scaling out").
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SYNAPSE_CONFIG, VENV_PYTHON } from './paths.ts';
import { freePort, portInUse } from './ports.ts';
import { requireNginx, startNginx, type RunningNginx } from './nginx.ts';
import {
	ensureVenv,
	readInstance,
	stopProcess,
	synapsePythonPath,
	waitForHealth,
	type InstanceInfo
} from './synapse.ts';

export interface WorkersOptions {
	dataDir: string;
	profile: 'test' | 'demo' | 'production';
	/** The public port: nginx listens here (127.0.0.1). */
	port: number;
	/** Redis pub/sub channels are named after the server name: give each deployment on one Redis its own. */
	serverName?: string;
	/** Required: postgres://user@host:port/db (created when missing). */
	databaseUrl: string;
	redis?: { host?: string; port?: number; dbid?: number };
	startTimeout?: number;
}

export interface WorkerProcess {
	name: string;
	app: 'synapse.app.homeserver' | 'synapse.app.generic_worker';
	port: number;
	child?: ChildProcess;
}

export interface RunningWorkers {
	info: InstanceInfo;
	dataDir: string;
	processes: WorkerProcess[];
	/** The generated nginx.conf (in <dataDir>/nginx). */
	nginxConfig: string;
	stop(): Promise<void>;
}

/**
 * Which process serves a request path (first match wins; the rest goes to main).
 * nginx's configuration is generated from this table (location blocks in this
 * order), so the patterns are written for PCRE as well as JavaScript: no flags,
 * and nginx matches them against the decoded, normalised path.
 */
export const ROUTES: { pattern: RegExp; worker: string }[] = [
	// Long-polling sync: many idle connections, its own process.
	{ pattern: /^\/_matrix\/client\/(r0|v3)\/sync$/, worker: 'sync1' },
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3)\/(events|initialSync)$/, worker: 'sync1' },
	// Simplified sliding sync (MSC4186), the case list's sync: a generic worker serves it too.
	{ pattern: /^\/_matrix\/client\/unstable\/org\.matrix\.simplified_msc3575\/sync$/, worker: 'sync1' },
	// Sending events and changing state/membership: persisted through the event persister.
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/rooms\/[^/]+\/(send|state|redact)\//, worker: 'client1' },
	{
		pattern: /^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/rooms\/[^/]+\/(join|invite|leave|kick|ban|unban)$/,
		worker: 'client1'
	},
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/join\//, worker: 'client1' },
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/createRoom$/, worker: 'client1' },
	// Room reads.
	{
		pattern:
			/^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/rooms\/[^/]+\/(messages|members|joined_members|state|context\/.*|event\/.*)$/,
		worker: 'client1'
	},
	{ pattern: /^\/_matrix\/client\/(r0|v3|unstable)\/(joined_rooms|account\/whoami|capabilities)$/, worker: 'client1' },
	// Sign-in and end-to-end keys.
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3|unstable)\/login$/, worker: 'client1' },
	{ pattern: /^\/_matrix\/client\/(r0|v3|unstable)\/keys\/(query|changes|claim)$/, worker: 'client1' },
	{ pattern: /^\/_matrix\/client\/(r0|v3|unstable)\/room_keys\//, worker: 'client1' }
];

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** Synapse reads YAML; JSON is YAML, so Node writes these without a YAML library. */
function writeConfig(file: string, value: unknown, mode = 0o600): void {
	writeFileSync(file, json(value), { mode });
}

function workerLogConfig(dataDir: string, name: string): string {
	const file = path.join(dataDir, `log.${name}.config`);
	writeConfig(
		file,
		{
			version: 1,
			formatters: {
				precise: { format: `%(asctime)s - ${name} - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s` }
			},
			handlers: {
				file: {
					class: 'logging.FileHandler',
					formatter: 'precise',
					filename: path.join(dataDir, `${name}.log`),
					encoding: 'utf8'
				},
				console: { class: 'logging.StreamHandler', formatter: 'precise', level: 'WARNING' }
			},
			root: { level: 'INFO', handlers: ['file', 'console'] },
			disable_existing_loggers: false
		},
		0o644
	);
	return file;
}

export async function startSynapseWorkers(opts: WorkersOptions): Promise<RunningWorkers> {
	ensureVenv();
	requireNginx();
	if (await portInUse(opts.port))
		throw new Error(`Port ${opts.port} is already in use. Choose another port (CASUS_HS_PORT).`);
	const dataDir = opts.dataDir;
	const processes: WorkerProcess[] = [
		{ name: 'main', app: 'synapse.app.homeserver', port: await freePort() },
		{ name: 'event_persister1', app: 'synapse.app.generic_worker', port: await freePort() },
		{ name: 'client1', app: 'synapse.app.generic_worker', port: await freePort() },
		{ name: 'sync1', app: 'synapse.app.generic_worker', port: await freePort() }
	];
	const port = (name: string) => processes.find((p) => p.name === name)!.port;
	const mainReplication = await freePort();

	// The replication secret: generated once into the data folder, like the other secrets.
	const secretFile = path.join(dataDir, 'replication.secret');
	if (!existsSync(secretFile)) {
		execFileSync('mkdir', ['-p', dataDir]);
		writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
	}
	const loopback = ['127.0.0.1'];
	const generated = path.join(dataDir, 'workers.generated.yaml');
	execFileSync('mkdir', ['-p', dataDir]);
	writeConfig(generated, {
		instance_map: {
			main: { host: '127.0.0.1', port: mainReplication },
			event_persister1: { host: '127.0.0.1', port: port('event_persister1') }
		},
		worker_replication_secret_path: secretFile,
		redis: {
			enabled: true,
			host: opts.redis?.host ?? '127.0.0.1',
			port: opts.redis?.port ?? 6379,
			...(opts.redis?.dbid !== undefined ? { dbid: opts.redis.dbid } : {})
		},
		listeners: [
			{
				port: port('main'),
				bind_addresses: loopback,
				type: 'http',
				tls: false,
				x_forwarded: true,
				resources: [{ names: ['client'], compress: false }]
			},
			{
				port: mainReplication,
				bind_addresses: loopback,
				type: 'http',
				tls: false,
				resources: [{ names: ['replication'] }]
			}
		]
	});

	const serverName = opts.serverName ?? 'localhost';
	const publicUrl = `http://localhost:${opts.port}`;
	const env = { ...process.env };
	delete env.DATABASE_URL;
	execFileSync(
		VENV_PYTHON,
		[
			path.join(SYNAPSE_CONFIG, 'generate.py'),
			'--data-dir',
			dataDir,
			'--profile',
			opts.profile,
			'--port',
			String(port('main')),
			'--server-name',
			serverName,
			'--public-baseurl',
			`${publicUrl}/`,
			'--database-url',
			opts.databaseUrl,
			'--extra',
			path.join(SYNAPSE_CONFIG, 'profiles', 'workers.yaml'),
			'--extra',
			generated
		],
		{ stdio: ['ignore', 'inherit', 'inherit'], env }
	);

	for (const p of processes) {
		if (p.name === 'main') continue;
		const isPersister = p.name === 'event_persister1';
		writeConfig(path.join(dataDir, `worker.${p.name}.yaml`), {
			worker_app: p.app,
			worker_name: p.name,
			worker_listeners: [
				{
					type: 'http',
					port: p.port,
					bind_addresses: loopback,
					x_forwarded: true,
					// The persister serves replication only; the others serve clients.
					resources: [{ names: isPersister ? ['replication'] : ['client'] }]
				}
			],
			worker_log_config: workerLogConfig(dataDir, p.name)
		});
	}

	// Tools and clients reach the deployment through nginx.
	const instance = readInstance(dataDir);
	const info: InstanceInfo = { ...instance, homeserverUrl: `http://127.0.0.1:${opts.port}`, publicBaseurl: publicUrl };
	writeFileSync(path.join(dataDir, 'instance.json'), json(info));

	const launch = (p: WorkerProcess) => {
		const out = openSync(path.join(dataDir, `console.${p.name}.log`), 'a');
		const args = ['-m', p.app, '--config-path', path.join(dataDir, 'homeserver.yaml')];
		if (p.name !== 'main') args.push('--config-path', path.join(dataDir, `worker.${p.name}.yaml`));
		p.child = spawn(VENV_PYTHON, args, {
			cwd: dataDir,
			stdio: ['ignore', out, out],
			env: { ...process.env, PYTHONPATH: synapsePythonPath(), SYNAPSE_ASYNC_IO_REACTOR: '0' }
		});
		closeSync(out);
	};

	let nginx: RunningNginx | undefined;
	const stopAll = async () => {
		await nginx?.stop();
		// Workers first, main last: the main process owns background tasks and the replication hub.
		for (const p of [...processes].reverse()) if (p.child) await stopProcess(p.child);
	};
	try {
		// Main first (it runs the database migrations), then the workers in parallel.
		launch(processes[0]!);
		await waitForHealth(`http://127.0.0.1:${port('main')}`, opts.startTimeout ?? 120, processes[0]!.child);
		for (const p of processes.slice(1)) launch(p);
		await Promise.all(
			processes.slice(1).map((p) => waitForHealth(`http://127.0.0.1:${p.port}`, opts.startTimeout ?? 120, p.child))
		);
		// The processes that serve clients; the event persister serves replication only.
		const upstreams = Object.fromEntries(
			processes.filter((p) => p.name !== 'event_persister1').map((p) => [p.name, p.port])
		);
		nginx = await startNginx({ dir: path.join(dataDir, 'nginx'), listenPort: opts.port, upstreams, routes: ROUTES });
		await waitForHealth(info.homeserverUrl, 10);
	} catch (err) {
		await stopAll();
		const logs = processes.map((p) => `${p.name}: ${tail(path.join(dataDir, `console.${p.name}.log`))}`).join('\n');
		throw new Error(`${String(err)}\n${logs}`, { cause: err });
	}
	return { info, dataDir, processes, nginxConfig: path.join(dataDir, 'nginx', 'nginx.conf'), stop: stopAll };
}

function tail(file: string, lines = 5): string {
	try {
		return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no output)';
	}
}
