/**
 * Configuration of the privacy console and the retention job, from the
 * environment (documented in the README, "Privacy console"):
 *   CASUS_RETENTION_MONTHS       default retention after closure
 *   CASUS_RETENTION_MIN_MONTHS   shortest retention anyone may set
 *   CASUS_RETENTION_MAX_MONTHS   longest retention anyone may set
 *     (the defaults and the rules are the domain's: DEFAULT_RETENTION and
 *     RetentionPolicy in src/lib/case/policy.ts, shared with the client and the guard)
 *   CASUS_INACTIVE_DAYS          a member not seen for this long is flagged (90)
 *   CASUS_AUDIT_LOG              the audit log file (default <CASUS_DATA_DIR>/audit/privacy-actions.jsonl)
 *   CASUS_RETENTION_JOB_HOURS    interval of the web server's retention run; 0 = off (24)
 *   CASUS_PRIVACY_INDEX          the console's room index file (default <CASUS_DATA_DIR>/privacy-index.json,
 *                                else next to CASUS_AUDIT_LOG; without either it lives in memory only)
 *   CASUS_INDEX_SWEEP_MINUTES    how often the index lists every room even when the count is unchanged (10; 0 = never)
 *   CASUS_OVERVIEW_MAX_AGE_SECONDS  the overview answers from the index without waiting for a catch-up when the
 *                                last one started at most this long ago, and catches up in the background (30;
 *                                0 = every request waits for a catch-up)
 *   CASUS_PILOT_AGGREGATES       the pilot aggregates the MDT chairs sent (issue 14; default
 *                                <CASUS_DATA_DIR>/pilot-aggregates.json, else next to CASUS_AUDIT_LOG;
 *                                without either the server accepts none)
 */
import path from 'node:path';
import { ConfigError } from '../config.ts';
import { DEFAULT_RETENTION, RetentionPolicy } from '../../case/policy.ts';

export interface PrivacySettings {
	retention: RetentionPolicy;
	inactiveDays: number;
	/** null when there is nowhere to write it: every action is then refused. */
	auditLog: string | null;
	jobIntervalHours: number;
	/** The room index's file (room-index.ts); null keeps it in memory. */
	indexFile: string | null;
	indexSweepMinutes: number;
	/** How old (seconds) the index may be for the overview to answer without waiting (room-index.ts, current()). */
	overviewMaxAgeSeconds: number;
	/** The file of the pilot aggregates the chairs sent (pilot-store.ts); null: none are accepted. */
	pilotFile: string | null;
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
	const raw = env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min)
		throw new ConfigError(`${name} must be a whole number of at least ${min} (got "${raw}").`);
	return n;
}

export function privacySettings(env: Record<string, string | undefined> = process.env): PrivacySettings {
	const retention = retentionPolicy(env);
	const auditLog =
		env.CASUS_AUDIT_LOG ||
		(env.CASUS_DATA_DIR ? path.join(env.CASUS_DATA_DIR, 'audit', 'privacy-actions.jsonl') : null);
	return {
		retention,
		inactiveDays: integer(env, 'CASUS_INACTIVE_DAYS', 90, 1),
		auditLog,
		jobIntervalHours: integer(env, 'CASUS_RETENTION_JOB_HOURS', 24, 0),
		indexFile:
			env.CASUS_PRIVACY_INDEX ||
			(env.CASUS_DATA_DIR
				? path.join(env.CASUS_DATA_DIR, 'privacy-index.json')
				: auditLog
					? path.join(path.dirname(auditLog), 'privacy-index.json')
					: null),
		indexSweepMinutes: integer(env, 'CASUS_INDEX_SWEEP_MINUTES', 10, 0),
		overviewMaxAgeSeconds: integer(env, 'CASUS_OVERVIEW_MAX_AGE_SECONDS', 30, 0),
		pilotFile:
			env.CASUS_PILOT_AGGREGATES ||
			(env.CASUS_DATA_DIR
				? path.join(env.CASUS_DATA_DIR, 'pilot-aggregates.json')
				: auditLog
					? path.join(path.dirname(auditLog), 'pilot-aggregates.json')
					: null)
	};
}

/** The retention policy of this deployment: CASUS_RETENTION_* over the domain's defaults, checked by the domain's rules. */
export function retentionPolicy(env: Record<string, string | undefined> = process.env): RetentionPolicy {
	const min = integer(env, 'CASUS_RETENTION_MIN_MONTHS', DEFAULT_RETENTION.min_months, 1);
	const max = integer(env, 'CASUS_RETENTION_MAX_MONTHS', DEFAULT_RETENTION.max_months, 1);
	const def = integer(env, 'CASUS_RETENTION_MONTHS', DEFAULT_RETENTION.default_months, 1);
	if (min > max)
		throw new ConfigError(`CASUS_RETENTION_MIN_MONTHS (${min}) is larger than CASUS_RETENTION_MAX_MONTHS (${max}).`);
	if (def < min || def > max)
		throw new ConfigError(
			`CASUS_RETENTION_MONTHS (${def}) must lie between CASUS_RETENTION_MIN_MONTHS (${min}) and CASUS_RETENTION_MAX_MONTHS (${max}).`
		);
	const parsed = RetentionPolicy.safeParse({ default_months: def, min_months: min, max_months: max });
	if (!parsed.success)
		throw new ConfigError(
			`CASUS_RETENTION_*: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'policy'} ${i.message}`).join('; ')}`
		);
	return parsed.data;
}
