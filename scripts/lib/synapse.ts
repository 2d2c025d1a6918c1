/**
 * Starting and stopping a real Synapse from Node: used by the demo, the test
 * harness and the benchmarks. The configuration comes from synapse-config/
 * (generate.py), the homeserver from the project's virtualenv.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SYNAPSE_CONFIG, VENV_PYTHON } from './paths.ts';
import { portInUse } from './ports.ts';

export interface SynapseOptions {
	dataDir: string;
	profile: 'test' | 'demo' | 'production';
	port: number;
	serverName?: string;
	bindAddress?: string;
	/** postgres://user@host:port/db; the database is created when missing. */
	databaseUrl?: string;
	/** Further YAML overlays (for example the workers profile). */
	extraConfig?: string[];
	/** Seconds to wait for /health. */
	startTimeout?: number;
	log?: (line: string) => void;
}

export interface InstanceInfo {
	profile: string;
	serverName: string;
	homeserverUrl: string;
	publicBaseurl: string;
	serviceUserId: string;
	database: string;
}

export interface RunningSynapse {
	info: InstanceInfo;
	dataDir: string;
	process: ChildProcess;
	stop(): Promise<void>;
	restart(): Promise<void>;
}

/** Installs the virtualenv if needed (fast when it is already there). */
export function ensureVenv(): void {
	execFileSync('sh', [path.join(ROOT, 'scripts', 'synapse-venv.sh')], { stdio: 'inherit' });
}

/** Writes homeserver.yaml and friends into the data folder. */
export function generateConfig(opts: SynapseOptions): InstanceInfo {
	const args = [
		path.join(SYNAPSE_CONFIG, 'generate.py'),
		'--data-dir',
		opts.dataDir,
		'--profile',
		opts.profile,
		'--port',
		String(opts.port),
		'--server-name',
		opts.serverName ?? 'localhost',
		'--bind-address',
		opts.bindAddress ?? '127.0.0.1'
	];
	if (opts.databaseUrl) args.push('--database-url', opts.databaseUrl);
	for (const extra of opts.extraConfig ?? []) args.push('--extra', extra);
	const env = { ...process.env };
	// A DATABASE_URL in the environment must not leak into a run that did not ask for it.
	delete env.DATABASE_URL;
	execFileSync(VENV_PYTHON, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
	return readInstance(opts.dataDir);
}

export function readInstance(dataDir: string): InstanceInfo {
	const file = path.join(dataDir, 'instance.json');
	if (!existsSync(file)) throw new Error(`No homeserver configuration in ${dataDir} (instance.json is missing).`);
	return JSON.parse(readFileSync(file, 'utf8')) as InstanceInfo;
}

export async function waitForHealth(url: string, timeoutSeconds: number, child?: ChildProcess): Promise<void> {
	const deadline = Date.now() + timeoutSeconds * 1000;
	while (Date.now() < deadline) {
		if (child && child.exitCode !== null) throw new Error(`Synapse exited with code ${child.exitCode} during start-up`);
		try {
			const res = await fetch(`${url}/health`);
			if (res.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`Synapse at ${url} did not become healthy within ${timeoutSeconds} s`);
}

/** Python path for modules loaded by the homeserver (the guard). */
export function synapsePythonPath(): string {
	return [path.join(SYNAPSE_CONFIG, 'guard'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
}

export async function startSynapse(opts: SynapseOptions): Promise<RunningSynapse> {
	ensureVenv();
	if (await portInUse(opts.port, opts.bindAddress ?? '127.0.0.1')) {
		throw new Error(
			`Port ${opts.port} is already in use. Stop whatever listens there, or choose another port (CASUS_HS_PORT).`
		);
	}
	const info = generateConfig(opts);
	const configPath = path.join(opts.dataDir, 'homeserver.yaml');
	let child = launch(configPath, opts.dataDir);
	await waitForHealth(info.homeserverUrl, opts.startTimeout ?? 120, child);

	const running: RunningSynapse = {
		info,
		dataDir: opts.dataDir,
		process: child,
		async stop() {
			await stopProcess(running.process);
		},
		async restart() {
			await stopProcess(running.process);
			child = launch(configPath, opts.dataDir);
			running.process = child;
			await waitForHealth(info.homeserverUrl, opts.startTimeout ?? 120, child);
		}
	};
	return running;
}

function launch(configPath: string, dataDir: string): ChildProcess {
	// Synapse's console output (warnings and worse) goes to a file; the full log is homeserver.log.
	const out = openSync(path.join(dataDir, 'console.log'), 'a');
	const child = spawn(VENV_PYTHON, ['-m', 'synapse.app.homeserver', '--config-path', configPath], {
		cwd: dataDir,
		stdio: ['ignore', out, out],
		env: { ...process.env, PYTHONPATH: synapsePythonPath(), SYNAPSE_ASYNC_IO_REACTOR: '0' }
	});
	closeSync(out);
	killOnExit(child);
	return child;
}

/** Children must not outlive us, however we end (Ctrl-C during a build, an exception, process.exit). */
export function killOnExit(child: ChildProcess): void {
	const kill = () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
	};
	process.once('exit', kill);
	child.once('exit', () => process.off('exit', kill));
}

export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
}
