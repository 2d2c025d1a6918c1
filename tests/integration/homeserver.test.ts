/**
 * The homeserver behaves as configured: closed, local, encrypted by default.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUser, server } from '../support/harness.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';

const base = () => server().info.homeserverUrl;

describe('homeserver configuration', () => {
	it('refuses public registration', async () => {
		const res = await fetch(`${base()}/_matrix/client/v3/register`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'intruder', password: 'Intruder-Pass-2026', auth: { type: 'm.login.dummy' } })
		});
		expect(res.status).toBe(403);
		expect((await res.json()).errcode).toBe('M_FORBIDDEN');
	});

	it('refuses guest registration', async () => {
		const res = await fetch(`${base()}/_matrix/client/v3/register?kind=guest`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{}'
		});
		expect(res.status).toBe(403);
	});

	it('does not serve the federation API', async () => {
		const res = await fetch(`${base()}/_matrix/federation/v1/version`);
		expect(res.ok).toBe(false);
		const key = await fetch(`${base()}/_matrix/key/v2/server`);
		expect(key.ok).toBe(false);
	});

	it('encrypts a room created through the raw client API without asking for encryption', async () => {
		const user = await createUser('CSG');
		const { room_id } = await user.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', {
			preset: 'private_chat',
			name: 'plain?'
		});
		const enc = await user.http.get<{ algorithm: string }>(
			`/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/state/m.room.encryption/`
		);
		expect(enc.algorithm).toBe('m.megolm.v1.aes-sha2');
	});

	it('encrypts even a public_chat room', async () => {
		const user = await createUser('CSG');
		const { room_id } = await user.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', {
			preset: 'public_chat'
		});
		const enc = await user.http.get<{ algorithm: string }>(
			`/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/state/m.room.encryption/`
		);
		expect(enc.algorithm).toBe('m.megolm.v1.aes-sha2');
	});

	it('lets no ordinary user publish a room in the directory or create an alias', async () => {
		const user = await createUser('VT');
		const attempt = user.http.post('/_matrix/client/v3/createRoom', {
			visibility: 'public',
			room_alias_name: `leak-${Date.now()}`
		});
		await expect(attempt).rejects.toBeInstanceOf(MatrixHttpError);
		await expect(attempt).rejects.toMatchObject({ status: 403 });
	});

	it('offers no URL previews', async () => {
		const user = await createUser('VT');
		const res = await fetch(
			`${base()}/_matrix/client/v1/media/preview_url?url=${encodeURIComponent('https://example.org')}`,
			{
				headers: { authorization: `Bearer ${user.accessToken}` }
			}
		);
		expect(res.ok).toBe(false);
	});

	it('runs with retention enabled, a default policy and limits', async () => {
		// Synapse clamps room policies to the limits when it purges, so the limits are checked in the config it runs with.
		const yaml = readFileSync(path.join(server().dataDir, 'homeserver.yaml'), 'utf8');
		const retention = yaml.slice(yaml.indexOf('retention:'));
		expect(retention).toMatch(/enabled: true/);
		expect(retention).toMatch(/default_policy:\s+min_lifetime: 1d\s+max_lifetime: \d+d/);
		expect(retention).toMatch(/allowed_lifetime_max: \d+d/);
		// and a room may carry its own policy
		const user = await createUser('VT');
		const { room_id } = await user.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', {
			preset: 'private_chat'
		});
		await user.http.put(`/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/state/m.room.retention/`, {
			max_lifetime: 86_400_000 * 30
		});
	});
});
