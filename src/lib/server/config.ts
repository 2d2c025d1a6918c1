/**
 * Server-side configuration: where the homeserver is and the service credential.
 * Either from a data folder written by synapse-config/generate.py (CASUS_DATA_DIR,
 * the demo and tests), or from explicit variables in production:
 * CASUS_HOMESERVER_URL, CASUS_SERVER_NAME, CASUS_SERVICE_PASSWORD.
 * The service credential never leaves the server.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface ServerConfig {
	homeserverUrl: string;
	serverName: string;
	serviceUserId: string;
	servicePassword: string;
	/** Only available on the homeserver's own machine (data folder); needed to create accounts. */
	registrationSharedSecret?: string;
	dataDir?: string;
}

export class ConfigError extends Error {
	override name = 'ConfigError';
}

export const SERVICE_LOCALPART = 'casusruimte-service';

export function configFromDataDir(dataDir: string): ServerConfig {
	const instanceFile = path.join(dataDir, 'instance.json');
	const secretsFile = path.join(dataDir, 'secrets.json');
	if (!existsSync(instanceFile) || !existsSync(secretsFile)) {
		throw new ConfigError(`No homeserver set up in ${dataDir}. Run \`npm start\` first (it creates the data folder).`);
	}
	const instance = JSON.parse(readFileSync(instanceFile, 'utf8')) as {
		homeserverUrl: string;
		serverName: string;
		serviceUserId: string;
	};
	const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as {
		service_password: string;
		registration_shared_secret: string;
	};
	return {
		homeserverUrl: instance.homeserverUrl,
		serverName: instance.serverName,
		serviceUserId: instance.serviceUserId,
		servicePassword: secrets.service_password,
		registrationSharedSecret: secrets.registration_shared_secret,
		dataDir
	};
}

export function configFromEnv(env: Record<string, string | undefined> = process.env): ServerConfig {
	if (env.CASUS_DATA_DIR) return configFromDataDir(env.CASUS_DATA_DIR);
	const homeserverUrl = env.CASUS_HOMESERVER_URL;
	const serverName = env.CASUS_SERVER_NAME;
	const servicePassword = env.CASUS_SERVICE_PASSWORD;
	if (!homeserverUrl || !serverName || !servicePassword) {
		throw new ConfigError('Set CASUS_DATA_DIR, or CASUS_HOMESERVER_URL, CASUS_SERVER_NAME and CASUS_SERVICE_PASSWORD.');
	}
	return {
		homeserverUrl,
		serverName,
		serviceUserId: `@${SERVICE_LOCALPART}:${serverName}`,
		servicePassword,
		registrationSharedSecret: env.CASUS_REGISTRATION_SHARED_SECRET
	};
}
