/**
 * The service account: the creator of case rooms and of the directory room, and
 * the only writer of the directory. It is a homeserver admin so the server side
 * can provision accounts and purge rooms; no human ever holds its credential.
 * It has no end-to-end encryption device, so clients never share room keys with it.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { MatrixHttpError, enc } from './http.ts';
import { ServiceClient, passwordLogin, registerWithSharedSecret } from './synapse-admin.ts';
import { SERVICE_LOCALPART, type ServerConfig } from './config.ts';

const TOKEN_FILE = 'service-token.json';

/** Logs the service account in, registering it first on a fresh homeserver. */
export async function connectService(config: ServerConfig): Promise<ServiceClient> {
	const cached = readCachedToken(config);
	if (cached) {
		const client = new ServiceClient(config.homeserverUrl, config.serviceUserId, cached);
		try {
			await client.whoami();
			await exemptFromRateLimits(client);
			return client;
		} catch (err) {
			if (!(err instanceof MatrixHttpError && err.status === 401)) throw err;
		}
	}
	let login;
	try {
		login = await passwordLogin(config.homeserverUrl, config.serviceUserId, config.servicePassword);
	} catch (err) {
		if (!(err instanceof MatrixHttpError && err.status === 403 && config.registrationSharedSecret)) throw err;
		// First start: the account does not exist yet.
		login = await registerWithSharedSecret(config.homeserverUrl, config.registrationSharedSecret, {
			localpart: SERVICE_LOCALPART,
			password: config.servicePassword,
			admin: true,
			displayname: 'Casusruimte'
		});
	}
	writeCachedToken(config, login.access_token);
	const client = new ServiceClient(config.homeserverUrl, config.serviceUserId, login.access_token);
	await exemptFromRateLimits(client);
	return client;
}

/**
 * The service account creates every case room of the region and carries out
 * every handover: it must not share one person's rate limits, or a busy day
 * throttles the whole region. The Admin API exempts it (0/0 = no limit); people
 * keep the profile's limits. Idempotent; a failure only warns.
 */
export async function exemptFromRateLimits(client: ServiceClient): Promise<void> {
	try {
		await client.http.post(`/_synapse/admin/v1/users/${enc(client.userId)}/override_ratelimit`, {
			messages_per_second: 0,
			burst_count: 0
		});
	} catch (err) {
		console.warn(
			`casusruimte: could not exempt the service account from rate limits: ${err instanceof Error ? err.message : String(err)}`
		);
	}
}

// Reusing one token keeps the service account at one device instead of one per command.
function readCachedToken(config: ServerConfig): string | undefined {
	if (!config.dataDir) return undefined;
	const file = path.join(config.dataDir, TOKEN_FILE);
	if (!existsSync(file)) return undefined;
	try {
		return (JSON.parse(readFileSync(file, 'utf8')) as { access_token?: string }).access_token;
	} catch {
		return undefined;
	}
}

function writeCachedToken(config: ServerConfig, token: string): void {
	if (!config.dataDir) return;
	writeFileSync(path.join(config.dataDir, TOKEN_FILE), JSON.stringify({ access_token: token }) + '\n', { mode: 0o600 });
}
