/**
 * The homeserver behaves as configured: closed, local, encrypted by default.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYNAPSE_CONFIG, VENV_PYTHON } from '../../scripts/lib/paths.ts';
import { describe, expect, it } from 'vitest';
import { createUser, server, serviceClient } from '../support/harness.ts';
import { openCase } from '../support/cases.ts';
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

	it('lets no one but the service create a room, whatever preset is asked for', async () => {
		const user = await createUser('CSG');
		for (const body of [{ preset: 'private_chat', name: 'plain?' }, { preset: 'public_chat' }]) {
			const attempt = user.http.post('/_matrix/client/v3/createRoom', body);
			await expect(attempt).rejects.toMatchObject({ status: 403 });
		}
	});

	it("encrypts the service's rooms without being asked, even a public_chat one", async () => {
		const service = await serviceClient();
		const { room_id } = await service.createRoom({ preset: 'public_chat' });
		const enc = await service.http.get<{ algorithm: string }>(
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

	it('limits every account in every profile, and lets no user change their profile', () => {
		for (const profile of ['demo', 'production', 'test']) {
			const dir = mkdtempSync(path.join(os.tmpdir(), `casus-profile-${profile}-`));
			try {
				execFileSync(VENV_PYTHON, [path.join(SYNAPSE_CONFIG, 'generate.py'), '--data-dir', dir, '--profile', profile]);
				const config = JSON.parse(
					execFileSync(
						VENV_PYTHON,
						[
							'-c',
							'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
							path.join(dir, 'homeserver.yaml')
						],
						{ encoding: 'utf8' }
					)
				) as Record<string, unknown>;
				for (const limit of ['rc_message', 'rc_login', 'rc_joins', 'rc_invites', 'rc_room_creation', 'rc_media_create'])
					expect(config[limit], `${profile}: ${limit}`).toBeTypeOf('object');
				expect(config).toMatchObject({
					enable_set_displayname: false,
					enable_set_avatar_url: false,
					allow_per_room_profiles: false
				});
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		}
	});

	it('runs with retention enabled, a default policy and limits', async () => {
		// Synapse clamps room policies to the limits when it purges, so the limits are checked in the config it runs with.
		const yaml = readFileSync(path.join(server().dataDir, 'homeserver.yaml'), 'utf8');
		const retention = yaml.slice(yaml.indexOf('retention:'));
		expect(retention).toMatch(/enabled: true/);
		expect(retention).toMatch(/default_policy:\s+min_lifetime: 1d\s+max_lifetime: \d+d/);
		expect(retention).toMatch(/allowed_lifetime_max: \d+d/);
		// and a case room carries its own policy, which the service may set
		const user = await createUser('CSG');
		const { roomId } = await openCase(user);
		const service = await serviceClient();
		await service.http.put(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.retention/`, {
			max_lifetime: 86_400_000 * 30
		});
	});
});
