/**
 * The server side's long-lived pieces for the SvelteKit app: one service-account
 * connection and the services built on it, created on first use.
 */
import { json } from '@sveltejs/kit';
import { configFromEnv } from './config.ts';
import { connectService } from './service-account.ts';
import { CaseService } from './cases.ts';
import { MdtService } from './mdt.ts';
import { CompartmentService } from './compartments.ts';
import { Refusal, unavailable } from './errors.ts';
import { AuditLog } from './privacy/audit.ts';
import { HomeserverUnreachableError, MatrixHttpError } from './http.ts';
import { PrivacyService } from './privacy/service.ts';
import { privacySettings } from './privacy/settings.ts';
import { PilotStore } from './privacy/pilot-store.ts';
import { PilotFiguresService } from './pilot-figures.ts';

let cases: Promise<CaseService> | undefined;
let privacy: Promise<PrivacyService> | undefined;
let serviceCheckedAt = 0;

export function caseService(): Promise<CaseService> {
	cases ??= (async () => {
		const config = configFromEnv();
		const { auditLog } = privacySettings();
		return new CaseService(config, await connectService(config), { audit: auditLog ? new AuditLog(auditLog) : null });
	})().catch((err) => {
		cases = undefined; // try again on the next request
		throw err;
	});
	return cases;
}

/** The daily MDT's API (agenda, chair access, re-triage, continued in), over the case service. */
export async function mdtService(): Promise<MdtService> {
	// The agenda lists rooms from the privacy console's room index (issue 15), kept by the same process.
	return new MdtService(await caseService(), (await privacyService()).index);
}

/** The pilot aggregates the MDT chairs send (issue 14), over the case service. */
export async function pilotFiguresService(): Promise<PilotFiguresService> {
	const { auditLog, pilotFile } = privacySettings();
	return new PilotFiguresService(
		await caseService(),
		pilotFile ? new PilotStore(pilotFile) : null,
		auditLog ? new AuditLog(auditLog) : null
	);
}

/** Compartments of a case (issue 13), over the case service. */
export async function compartmentService(): Promise<CompartmentService> {
	return new CompartmentService(await caseService());
}

/**
 * The privacy console's service. The service account's token expires like any
 * other (session_lifetime), and the console and the retention job run for days:
 * every few minutes the token is checked and, when expired, the connection is
 * made again.
 */
export async function privacyService(): Promise<PrivacyService> {
	if (privacy && Date.now() - serviceCheckedAt > 5 * 60_000) {
		const current = await privacy.catch(() => undefined);
		try {
			await current?.service.whoami();
		} catch (err) {
			if (err instanceof MatrixHttpError && err.status === 401) cases = privacy = undefined;
		}
		serviceCheckedAt = Date.now();
	}
	privacy ??= (async () => {
		serviceCheckedAt = Date.now();
		return new PrivacyService(await caseService(), privacySettings());
	})().catch((err) => {
		privacy = undefined;
		throw err;
	});
	return privacy;
}

export function bearerToken(request: Request): string | null {
	const header = request.headers.get('authorization') ?? '';
	const match = /^Bearer\s+(\S+)$/i.exec(header);
	return match ? match[1]! : null;
}

/** Runs an API handler and turns errors into {errcode, error} responses; never leaks internals. */
export async function apiResponse(handler: () => Promise<unknown>, status = 200): Promise<Response> {
	try {
		return json(await handler(), { status, headers: { 'cache-control': 'no-store' } });
	} catch (err) {
		return errorResponse(err);
	}
}

/** Like apiResponse, for a CSV download (errors still come as JSON). */
export async function csvResponse(handler: () => Promise<string>, filename: string): Promise<Response> {
	try {
		return new Response(await handler(), {
			headers: {
				'content-type': 'text/csv; charset=utf-8',
				'content-disposition': `attachment; filename="${filename.replace(/[^a-z0-9_-]/gi, '')}.csv"`,
				'cache-control': 'no-store'
			}
		});
	} catch (err) {
		return errorResponse(err);
	}
}

/** Every refusal as the one wire shape (Refusal.toBody()); anything unexpected as a bare 500 that leaks nothing. */
export function errorResponse(err: unknown): Response {
	if (err instanceof Refusal) return json(err.toBody(), { status: err.status });
	if (err instanceof HomeserverUnreachableError) {
		const r = unavailable(
			'De homeserver is niet bereikbaar. Er is niets verloren; probeer het zo opnieuw.',
			'The homeserver is not reachable. Nothing was lost; try again shortly.'
		);
		return json(r.toBody(), { status: r.status });
	}
	if (err instanceof MatrixHttpError && err.status < 500) {
		const r = Refusal.fromBody(err.status, err.body ?? { errcode: err.errcode, error: err.message });
		return json(r.toBody(), { status: r.status });
	}
	console.error('api error', err);
	const r = unavailable('Er ging iets mis op de server.', 'Something went wrong on the server.', 500);
	return json(r.toBody(), { status: 500 });
}
