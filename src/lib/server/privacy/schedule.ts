/**
 * The retention job inside the web server: once the server has been up for a
 * few minutes, and then every CASUS_RETENTION_JOB_HOURS hours (default 24; 0 = off),
 * every closed case past its retention is deleted. The same job runs by hand
 * with `npm run retention` (scripts/retention.ts), with --dry-run to only list.
 */
import { caseService, privacyService } from '../runtime.ts';
import { privacySettings } from './settings.ts';
import { runRetention } from './retention.ts';

const FIRST_RUN_DELAY_MS = 10 * 60_000;
let started = false;

export function startRetentionSchedule(env: Record<string, string | undefined> = process.env): void {
	if (started) return;
	let hours: number;
	try {
		hours = privacySettings(env).jobIntervalHours;
	} catch (err) {
		console.error(`retention job: not started: ${err instanceof Error ? err.message : String(err)}`);
		return;
	}
	if (hours === 0) return;
	if (!env.CASUS_DATA_DIR && !env.CASUS_HOMESERVER_URL) return; // no homeserver configured (e.g. a build)
	started = true;
	const run = async () => {
		try {
			const privacy = await privacyService();
			const result = await runRetention(privacy.service, privacy.audit, {
				dryRun: false,
				policy: privacy.settings.retention,
				index: privacy.index
			});
			if (result.due.length)
				console.log(
					`retention job: ${result.deleted.length} deleted, ${result.failed.length} failed of ${result.due.length} due`
				);
			for (const f of result.failed) console.error(`retention job: ${f.room_id} not deleted: ${f.error}`);
			for (const r of result.refused)
				console.error(`retention job: ${r.room_id} not deleted: its dates break the rules (${r.problem})`);
		} catch (err) {
			console.error(`retention job: ${err instanceof Error ? err.message : String(err)}`);
		}
	};
	setTimeout(() => {
		void run();
		setInterval(() => void run(), hours * 3_600_000).unref();
	}, FIRST_RUN_DELAY_MS).unref();
}

/**
 * The backstop for authority: every CASUS_AUTHORITY_MINUTES minutes (default 10;
 * 0 = off) the power in every case room and the membership of every MDT board
 * are brought in line with the directory,
 * in case a role changed without `npm run admin` (which reconciles at once).
 */
let authorityStarted = false;

export function startAuthoritySchedule(env: Record<string, string | undefined> = process.env): void {
	if (authorityStarted) return;
	const raw = env.CASUS_AUTHORITY_MINUTES?.trim();
	const minutes = raw ? Number(raw) : 10;
	if (!Number.isFinite(minutes) || minutes < 0) {
		console.error(`authority check: not started: CASUS_AUTHORITY_MINUTES must be a number of minutes (got "${raw}").`);
		return;
	}
	if (minutes === 0) return;
	if (!env.CASUS_DATA_DIR && !env.CASUS_HOMESERVER_URL) return; // no homeserver configured (e.g. a build)
	authorityStarted = true;
	let running = false;
	const run = async () => {
		if (running) return;
		running = true;
		try {
			const cases = await caseService();
			const directory = await cases.directory();
			// The rooms and their power from the console's room index (issue 15), not by reading every room.
			const { index } = await privacyService();
			const result = await cases.reconcileAuthority({ directory, index });
			if (result.updated.length) console.log(`authority check: power updated in ${result.updated.length} case room(s)`);
			for (const f of result.failed) console.error(`authority check: ${f.roomId}: ${f.error}`);
			// The MDT boards follow the directory too, and aanmelding guests past their time leave.
			const boards = await cases.boards.reconcileAll(directory);
			for (const run of boards.runs)
				if (run.invited.length || run.removed.length)
					console.log(
						`authority check: board ${run.region}: ${run.invited.length} invited, ${run.removed.length} removed`
					);
			for (const f of boards.failed) console.error(`authority check: board ${f.region}: ${f.error}`);
		} catch (err) {
			console.error(`authority check: ${err instanceof Error ? err.message : String(err)}`);
		} finally {
			running = false;
		}
	};
	// The admin command reconciles at once; this is the backstop, so its first run waits a whole interval.
	setInterval(() => void run(), minutes * 60_000).unref();
}
