import { describe, expect, it } from 'vitest';
import { privacySettings } from '../../src/lib/server/privacy/settings.ts';
import { DEFAULT_RETENTION } from '../../src/lib/case/policy.ts';
import { ConfigError } from '../../src/lib/server/config.ts';
import { parsePeriod } from '../../src/lib/server/privacy/service.ts';

describe('privacy console settings', () => {
	it('has documented defaults and the audit log in the data folder', () => {
		expect(privacySettings({ CASUS_DATA_DIR: '/srv/casus' })).toEqual({
			retention: DEFAULT_RETENTION,
			inactiveDays: 90,
			auditLog: '/srv/casus/audit/privacy-actions.jsonl',
			jobIntervalHours: 24,
			indexFile: '/srv/casus/privacy-index.json',
			indexSweepMinutes: 10,
			overviewMaxAgeSeconds: 30,
			pilotFile: '/srv/casus/pilot-aggregates.json'
		});
		expect(privacySettings({})).toMatchObject({ auditLog: null, indexFile: null, pilotFile: null });
		expect(privacySettings({ CASUS_PILOT_AGGREGATES: '/srv/pilot.json' }).pilotFile).toBe('/srv/pilot.json');
		expect(privacySettings({ CASUS_AUDIT_LOG: '/var/log/casus.jsonl', CASUS_RETENTION_JOB_HOURS: '0' })).toMatchObject({
			auditLog: '/var/log/casus.jsonl',
			jobIntervalHours: 0,
			indexFile: '/var/log/privacy-index.json',
			pilotFile: '/var/log/pilot-aggregates.json'
		});
		expect(privacySettings({ CASUS_PRIVACY_INDEX: '/srv/index.json', CASUS_INDEX_SWEEP_MINUTES: '0' })).toMatchObject({
			indexFile: '/srv/index.json',
			indexSweepMinutes: 0
		});
		expect(() => privacySettings({ CASUS_INDEX_SWEEP_MINUTES: 'often' })).toThrow(/CASUS_INDEX_SWEEP_MINUTES/);
		expect(privacySettings({ CASUS_OVERVIEW_MAX_AGE_SECONDS: '0' }).overviewMaxAgeSeconds).toBe(0);
		expect(() => privacySettings({ CASUS_OVERVIEW_MAX_AGE_SECONDS: '-1' })).toThrow(/CASUS_OVERVIEW_MAX_AGE_SECONDS/);
	});

	it('refuses limits that do not make sense, saying which variable', () => {
		expect(() => privacySettings({ CASUS_RETENTION_MONTHS: 'twelve' })).toThrow(/CASUS_RETENTION_MONTHS/);
		expect(() => privacySettings({ CASUS_RETENTION_MIN_MONTHS: '24', CASUS_RETENTION_MAX_MONTHS: '12' })).toThrow(
			ConfigError
		);
		expect(() => privacySettings({ CASUS_RETENTION_MONTHS: '90' })).toThrow(/between/);
		expect(() => privacySettings({ CASUS_INACTIVE_DAYS: '0' })).toThrow(/CASUS_INACTIVE_DAYS/);
		// the domain's policy (case/policy.ts) bounds every setting
		expect(() => privacySettings({ CASUS_RETENTION_MAX_MONTHS: '600' })).toThrow(/CASUS_RETENTION/);
		expect(privacySettings({ CASUS_RETENTION_MONTHS: '24', CASUS_RETENTION_MAX_MONTHS: '84' }).retention).toEqual({
			default_months: 24,
			min_months: 1,
			max_months: 84
		});
	});

	it('reads a reporting period, defaulting to the last three months', () => {
		const now = Date.parse('2026-05-20T10:00:00Z');
		expect(parsePeriod(new URLSearchParams(), now)).toEqual({ from: '2026-03-01', to: '2026-05-20' });
		expect(parsePeriod(new URLSearchParams('from=2026-01-01&to=2026-01-31'), now)).toEqual({
			from: '2026-01-01',
			to: '2026-01-31'
		});
		expect(() => parsePeriod(new URLSearchParams('from=2026-02-01&to=2026-01-01'), now)).toThrow(/starts after/);
		expect(() => parsePeriod(new URLSearchParams('from=1-1-2026'), now)).toThrow(/from/);
	});
});
