/**
 * What the service account does on the homeserver: shared-secret registration,
 * password login, and the handful of client and Admin API calls that
 * provisioning, case creation and the privacy console need.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { MatrixHttp, MatrixHttpError, enc } from './http.ts';

export interface LoginResult {
	user_id: string;
	access_token: string;
	device_id: string;
}

export interface AdminUser {
	name: string;
	displayname?: string | null;
	admin: boolean | number;
	deactivated: boolean | number;
	locked?: boolean;
	creation_ts?: number;
	last_seen_ts?: number | null;
}

export interface StateEvent<C = Record<string, unknown>> {
	type: string;
	state_key: string;
	sender: string;
	content: C;
	event_id: string;
	origin_server_ts: number;
	unsigned?: Record<string, unknown>;
}

/** Registers a local account with the registration shared secret (Synapse Admin API). */
export async function registerWithSharedSecret(
	baseUrl: string,
	sharedSecret: string,
	user: { localpart: string; password: string; admin?: boolean; displayname?: string }
): Promise<LoginResult> {
	const http = new MatrixHttp(baseUrl);
	const { nonce } = await http.get<{ nonce: string }>('/_synapse/admin/v1/register');
	const mac = createHmac('sha1', sharedSecret)
		.update(nonce)
		.update('\x00')
		.update(user.localpart)
		.update('\x00')
		.update(user.password)
		.update('\x00')
		.update(user.admin ? 'admin' : 'notadmin')
		.digest('hex');
	return http.post<LoginResult>('/_synapse/admin/v1/register', {
		nonce,
		username: user.localpart,
		password: user.password,
		admin: Boolean(user.admin),
		displayname: user.displayname,
		mac,
		inhibit_login: false
	});
}

export async function passwordLogin(
	baseUrl: string,
	user: string,
	password: string,
	deviceName = 'casusruimte-server'
): Promise<LoginResult> {
	const http = new MatrixHttp(baseUrl);
	return http.post<LoginResult>('/_matrix/client/v3/login', {
		type: 'm.login.password',
		identifier: { type: 'm.id.user', user },
		password,
		initial_device_display_name: deviceName
	});
}

/** A logged-in service account: client API plus Synapse Admin API. */
export class ServiceClient {
	readonly http: MatrixHttp;
	constructor(
		baseUrl: string,
		readonly userId: string,
		accessToken: string
	) {
		this.http = new MatrixHttp(baseUrl, accessToken);
	}

	whoami(token?: string) {
		return this.http.request<{ user_id: string; device_id?: string }>(
			'GET',
			'/_matrix/client/v3/account/whoami',
			undefined,
			undefined,
			token
		);
	}

	// --- users (Admin API) ---
	async getUser(userId: string): Promise<AdminUser | null> {
		try {
			return await this.http.get<AdminUser>(`/_synapse/admin/v2/users/${enc(userId)}`);
		} catch (err) {
			if (err instanceof MatrixHttpError && err.status === 404) return null;
			throw err;
		}
	}
	deactivateUser(userId: string) {
		return this.http.post(`/_synapse/admin/v1/deactivate/${enc(userId)}`, { erase: false });
	}
	setDisplayName(userId: string, displayname: string) {
		return this.http.put(`/_synapse/admin/v2/users/${enc(userId)}`, { displayname });
	}
	/** Joins a local user to a room they may join (public join rule), without their token. */
	forceJoin(userId: string, roomIdOrAlias: string) {
		return this.http.post<{ room_id: string }>(`/_synapse/admin/v1/join/${enc(roomIdOrAlias)}`, { user_id: userId });
	}

	// --- rooms (client API as the service account) ---
	createRoom(body: Record<string, unknown>) {
		return this.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', body);
	}
	async resolveAlias(alias: string): Promise<string | null> {
		try {
			const res = await this.http.get<{ room_id: string }>(`/_matrix/client/v3/directory/room/${enc(alias)}`);
			return res.room_id;
		} catch (err) {
			if (err instanceof MatrixHttpError && err.status === 404) return null;
			throw err;
		}
	}
	sendState(roomId: string, type: string, stateKey: string, content: unknown) {
		return this.http.put<{ event_id: string }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`,
			content
		);
	}
	async getStateEvent<C = Record<string, unknown>>(roomId: string, type: string, stateKey = ''): Promise<C | null> {
		try {
			return await this.http.get<C>(`/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`);
		} catch (err) {
			if (err instanceof MatrixHttpError && err.status === 404) return null;
			throw err;
		}
	}
	getRoomState(roomId: string) {
		return this.http.get<StateEvent[]>(`/_matrix/client/v3/rooms/${enc(roomId)}/state`);
	}
	invite(roomId: string, userId: string, reason?: string) {
		return this.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId, reason });
	}
	kick(roomId: string, userId: string, reason: string) {
		return this.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { user_id: userId, reason });
	}
	sendMessage(roomId: string, type: string, content: unknown) {
		return this.http.put<{ event_id: string }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${randomUUID()}`,
			content
		);
	}
	joinedRooms() {
		return this.http.get<{ joined_rooms: string[] }>('/_matrix/client/v3/joined_rooms');
	}
}
