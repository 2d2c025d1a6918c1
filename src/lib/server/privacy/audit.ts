/**
 * The privacy-officer audit log: an append-only JSON Lines file on the server
 * (mode 0600), one line per action, each carrying the SHA-256 of the line before
 * it, so removing, reordering or editing a line breaks the chain visibly.
 * It holds metadata only: who, what, which room and reference, the target user,
 * the stated reason and the outcome. Never case content.
 */
import { createHash } from 'node:crypto';
import {
	closeSync,
	existsSync,
	mkdirSync,
	openSync,
	readFileSync,
	readSync,
	fstatSync,
	statSync,
	unlinkSync,
	appendFileSync
} from 'node:fs';
import path from 'node:path';
import { AuditEntry, type AuditAction } from '../../privacy/schemas.ts';

export const GENESIS = '0'.repeat(64);

export interface AuditInput {
	actor: string;
	action: AuditAction;
	room_id?: string | null;
	reference?: string | null;
	target?: string | null;
	reason?: string | null;
	outcome: string;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The next line of the chain after `previousLine` (undefined for the first line). */
export function chainLine(input: AuditInput, previousLine: string | undefined, now = Date.now()): string {
	const prev = previousLine === undefined ? null : AuditEntry.parse(JSON.parse(previousLine));
	const entry: AuditEntry = AuditEntry.parse({
		seq: prev ? prev.seq + 1 : 1,
		ts: new Date(now).toISOString(),
		actor: input.actor,
		action: input.action,
		room_id: input.room_id ?? null,
		reference: input.reference ?? null,
		target: input.target ?? null,
		reason: input.reason ? input.reason.slice(0, 500) : null,
		outcome: input.outcome.slice(0, 200),
		prev: previousLine === undefined ? GENESIS : sha256(previousLine)
	});
	return JSON.stringify(entry);
}

export interface ChainCheck {
	ok: boolean;
	lines: number;
	/** 1-based line number of the first line that does not fit. */
	broken_at: number | null;
	problem: string | null;
}

export function verifyChain(text: string): ChainCheck {
	const lines = text.split('\n').filter((l) => l !== '');
	let previous: string | undefined;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		let entry: AuditEntry;
		try {
			entry = AuditEntry.parse(JSON.parse(line));
		} catch {
			return { ok: false, lines: lines.length, broken_at: i + 1, problem: 'line is not a valid audit entry' };
		}
		const want = previous === undefined ? GENESIS : sha256(previous);
		if (entry.prev !== want)
			return { ok: false, lines: lines.length, broken_at: i + 1, problem: 'hash of the previous line does not match' };
		if (entry.seq !== i + 1)
			return { ok: false, lines: lines.length, broken_at: i + 1, problem: 'sequence number out of order' };
		previous = line;
	}
	return { ok: true, lines: lines.length, broken_at: null, problem: null };
}

export class AuditLog {
	constructor(readonly file: string) {}

	/** Appends one entry; serialised across processes with a lock file. Returns the line written. */
	async append(input: AuditInput): Promise<AuditEntry> {
		mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
		const release = await this.lock();
		try {
			const line = chainLine(input, this.lastLine());
			appendFileSync(this.file, line + '\n', { mode: 0o600 });
			return AuditEntry.parse(JSON.parse(line));
		} finally {
			release();
		}
	}

	read(): { entries: AuditEntry[]; chain: ChainCheck } {
		const text = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
		const entries: AuditEntry[] = [];
		for (const line of text.split('\n')) {
			if (!line) continue;
			const parsed = AuditEntry.safeParse(safeJson(line));
			if (parsed.success) entries.push(parsed.data);
		}
		return { entries, chain: verifyChain(text) };
	}

	private lastLine(): string | undefined {
		if (!existsSync(this.file)) return undefined;
		const fd = openSync(this.file, 'r');
		try {
			const size = fstatSync(fd).size;
			// A line is well under 2 KiB (reasons are capped), so the tail holds the last one.
			const length = Math.min(size, 16_384);
			const buf = Buffer.alloc(length);
			readSync(fd, buf, 0, length, size - length);
			const lines = buf
				.toString('utf8')
				.split('\n')
				.filter((l) => l !== '');
			return lines.at(-1);
		} finally {
			closeSync(fd);
		}
	}

	private async lock(): Promise<() => void> {
		const lockFile = `${this.file}.lock`;
		const deadline = Date.now() + 15_000;
		for (;;) {
			try {
				closeSync(openSync(lockFile, 'wx', 0o600));
				return () => unlinkSync(lockFile);
			} catch (err) {
				if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
				// A crashed writer leaves its lock behind; a write takes milliseconds.
				try {
					if (Date.now() - statSync(lockFile).mtimeMs > 30_000) unlinkSync(lockFile);
				} catch {
					// gone already
				}
				if (Date.now() > deadline) throw new Error(`The audit log is locked (${lockFile}).`, { cause: err });
				await new Promise((r) => setTimeout(r, 25));
			}
		}
	}
}

function safeJson(line: string): unknown {
	try {
		return JSON.parse(line);
	} catch {
		return null;
	}
}
