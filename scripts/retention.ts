/**
 * The retention job by hand: lists the closed cases whose retention period is
 * over and deletes them from the homeserver (members removed, room purged,
 * deletion confirmed, each step in the privacy audit log).
 *
 *   npm run retention -- --dry-run      list what is due, change nothing
 *   npm run retention                   delete every due case
 *   npm run retention -- --json         the same, as JSON on stdout
 *
 * It works on the homeserver whose data folder is CASUS_DATA_DIR (default: the
 * demo's, .data/demo), or CASUS_HOMESERVER_URL, CASUS_SERVER_NAME and
 * CASUS_SERVICE_PASSWORD with CASUS_AUDIT_LOG. The web server also runs this job
 * daily (CASUS_RETENTION_JOB_HOURS).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../src/lib/server/config.ts';
import { connectService } from '../src/lib/server/service-account.ts';
import { privacySettings } from '../src/lib/server/privacy/settings.ts';
import { AuditLog } from '../src/lib/server/privacy/audit.ts';
import { runRetention } from '../src/lib/server/privacy/retention.ts';
import { RoomIndex } from '../src/lib/server/privacy/room-index.ts';
import { DEMO_DATA_DIR } from './lib/paths.ts';
import { describeError } from './admin.ts';

const USAGE = readFileSync(new URL(import.meta.url), 'utf8')
	.split('*/')[0]!
	.replace(/^\/\*\*|^ \* ?/gm, '')
	.trim();

export async function runRetentionCommand(
	argv: string[],
	env: Record<string, string | undefined> = process.env
): Promise<number> {
	const { values } = parseArgs({
		args: argv,
		options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
	});
	if (values.help) {
		console.log(USAGE);
		return 0;
	}
	const fullEnv = {
		...env,
		CASUS_DATA_DIR: env.CASUS_DATA_DIR ?? (env.CASUS_HOMESERVER_URL ? undefined : DEMO_DATA_DIR)
	};
	const config = configFromEnv(fullEnv);
	const settings = privacySettings(fullEnv);
	const service = await connectService(config);
	const dryRun = Boolean(values['dry-run']);
	// The web server's index file: this run resumes from its sync token and saves what it learnt.
	const index = new RoomIndex(service, { file: settings.indexFile, sweepMinutes: settings.indexSweepMinutes });
	let result;
	try {
		result = await runRetention(service, settings.auditLog ? new AuditLog(settings.auditLog) : null, {
			dryRun,
			policy: settings.retention,
			index
		});
	} finally {
		index.flush();
	}
	if (values.json) {
		console.log(JSON.stringify(result, null, 2));
	} else {
		console.log(
			dryRun
				? `Dry run: ${result.due.length} case(s) past retention; nothing deleted.`
				: `${result.due.length} case(s) past retention.`
		);
		for (const c of result.due) {
			const status = dryRun
				? 'would delete'
				: result.deleted.includes(c)
					? 'deleted'
					: (result.failed.find((f) => f.room_id === c.room_id)?.error ?? 'skipped (retention changed)');
			console.log(
				`  ${(c.reference ?? '?').padEnd(14)} closed ${c.closed_at ?? '?'}  retention until ${c.retention_until ?? '?'}  ${c.room_id}  ${status}`
			);
		}
		for (const c of result.refused)
			console.log(
				`  ${(c.reference ?? '?').padEnd(14)} closed ${c.closed_at ?? '?'}  retention until ${c.retention_until ?? '?'}  ${c.room_id}  not deleted: its dates break the rules (${c.problem})`
			);
	}
	return result.failed.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	runRetentionCommand(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(err) => {
			console.error(`retention: ${describeError(err)}`);
			process.exit(1);
		}
	);
}
