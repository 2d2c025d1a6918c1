import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog, GENESIS, chainLine, sha256, verifyChain } from '../../src/lib/server/privacy/audit.ts';

const input = (n: number) => ({
	actor: '@po:hs',
	action: 'remove-member' as const,
	room_id: '!r:hs',
	reference: 'DH-2026-0001',
	target: `@u${n}:hs`,
	reason: `reden ${n}`,
	outcome: 'removed'
});

describe('audit hash chain', () => {
	it('links each line to the one before it', () => {
		const a = chainLine(input(1), undefined, 0);
		const b = chainLine(input(2), a, 1000);
		expect(JSON.parse(a).prev).toBe(GENESIS);
		expect(JSON.parse(b)).toMatchObject({ seq: 2, prev: sha256(a), target: '@u2:hs' });
		expect(verifyChain(`${a}\n${b}\n`)).toEqual({ ok: true, lines: 2, broken_at: null, problem: null });
	});

	it('detects an edited, removed, reordered or foreign line', () => {
		const lines = [chainLine(input(1), undefined)];
		for (let i = 2; i <= 4; i++) lines.push(chainLine(input(i), lines.at(-1)));
		const edited = [...lines];
		edited[1] = edited[1]!.replace('reden 2', 'reden X');
		expect(verifyChain(edited.join('\n'))).toMatchObject({ ok: false, broken_at: 3 });
		expect(verifyChain([lines[0], lines[2], lines[3]].join('\n'))).toMatchObject({ ok: false, broken_at: 2 });
		expect(verifyChain([lines[1], lines[0]].join('\n'))).toMatchObject({ ok: false, broken_at: 1 });
		expect(verifyChain([...lines, '{"hello":1}'].join('\n'))).toMatchObject({
			ok: false,
			broken_at: 5,
			problem: 'line is not a valid audit entry'
		});
		// the last line removed cannot be detected by the chain alone; the count is shown to officers
		expect(verifyChain(lines.slice(0, 3).join('\n'))).toMatchObject({ ok: true, lines: 3 });
	});

	it('appends to a 0600 file from concurrent writers without breaking the chain', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'casus-audit-'));
		try {
			const file = path.join(dir, 'audit', 'privacy-actions.jsonl');
			const a = new AuditLog(file);
			const b = new AuditLog(file);
			await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append(input(i))));
			expect(statSync(file).mode & 0o777).toBe(0o600);
			const { entries, chain } = a.read();
			expect(chain.ok).toBe(true);
			expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
			writeFileSync(file, readFileSync(file, 'utf8').replace('reden 7', 'reden 8'));
			expect(a.read().chain.ok).toBe(false);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('refuses entries that do not fit the schema', () => {
		expect(() => chainLine({ ...input(1), action: 'read-content' as never }, undefined)).toThrow();
	});
});
