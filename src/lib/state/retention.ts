/**
 * The deployment's retention policy as the app server announces it
 * (GET /api/privacy/me, field `retention`); the domain's default when the
 * server does not say (or cannot be reached). The close form offers exactly
 * this window; closeCase refuses anything outside it.
 */
import { DEFAULT_RETENTION, RetentionPolicy } from '../case/policy.ts';

export async function loadRetentionPolicy(accessToken: string | null, base = ''): Promise<RetentionPolicy> {
	if (!accessToken) return DEFAULT_RETENTION;
	try {
		const res = await fetch(`${base}/api/privacy/me`, { headers: { authorization: `Bearer ${accessToken}` } });
		if (!res.ok) return DEFAULT_RETENTION;
		const body = (await res.json()) as { retention?: unknown };
		const parsed = RetentionPolicy.safeParse(body.retention);
		return parsed.success ? parsed.data : DEFAULT_RETENTION;
	} catch {
		return DEFAULT_RETENTION;
	}
}
