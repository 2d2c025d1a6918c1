/**
 * Synapse as a worker deployment: a main process, an event persister and
 * generic workers, on PostgreSQL and Redis, behind a small routing proxy.
 *
 * There is no nginx here, so the proxy (plain node:http) does what the reverse
 * proxy does in production: it routes each client request by path to the
 * process that serves it (sync → sync1, event sending and room reads →
 * client1, everything else → main). Clients, tools and the web app only ever
 * see the proxy's URL, which is written into instance.json as homeserverUrl.
 * The routing table below is the one to copy into nginx (README, "Scaling out").
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SYNAPSE_CONFIG, VENV_PYTHON } from './paths.ts';
import { freePort, portInUse } from './ports.ts';
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
	/** The public port: the routing proxy listens here. */
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
	stop(): Promise<void>;
}

/** Which process serves a request path (first match wins; the rest goes to main). */
export const ROUTES: { pattern: RegExp; worker: string }[] = [
	// Long-polling sync: many idle connections, its own process.
	{ pattern: /^\/_matrix\/client\/(r0|v3)\/sync$/, worker: 'sync1' },
	{ pattern: /^\/_matrix\/client\/(api\/v1|r0|v3)\/(events|initialSync)$/, worker: 'sync1' },
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

export function routeFor(pathname: string): string {
	return ROUTES.find((r) => r.pattern.test(pathname))?.worker ?? 'main';
}

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

	// Tools and clients reach the deployment through the proxy.
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

	const proxy = startProxy(opts.port, (name) => port(name));
	const stopAll = async () => {
		await new Promise<void>((r) => proxy.close(() => r()));
		proxy.closeAllConnections();
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
		await waitForHealth(info.homeserverUrl, 10);
	} catch (err) {
		await stopAll();
		const logs = processes.map((p) => `${p.name}: ${tail(path.join(dataDir, `console.${p.name}.log`))}`).join('\n');
		throw new Error(`${String(err)}\n${logs}`, { cause: err });
	}
	return { info, dataDir, processes, stop: stopAll };
}

function tail(file: string, lines = 5): string {
	try {
		return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no output)';
	}
}

/** The routing proxy: one listener, each request piped to the process that serves its path. */
function startProxy(listenPort: number, portOf: (worker: string) => number): http.Server {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	const server = http.createServer((req, res) => {
		const url = req.url ?? '/';
		const worker = routeFor(url.split('?')[0]!);
		const upstream = http.request(
			{
				host: '127.0.0.1',
				port: portOf(worker),
				method: req.method,
				path: url,
				headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1' },
				agent
			},
			(up) => {
				res.writeHead(up.statusCode ?? 502, up.headers);
				up.pipe(res);
			}
		);
		upstream.on('error', (err) => {
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ errcode: 'M_UNKNOWN', error: `upstream ${worker}: ${err.message}` }));
		});
		req.pipe(upstream);
	});
	server.keepAliveTimeout = 65_000;
	server.listen(listenPort, '127.0.0.1');
	return server;
}
