/** An error the server-side API returns to the browser as {errcode, error}. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly errcode: string,
		message: string
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export const unauthenticated = (message = 'Sign in again: the session is missing, expired or not valid.') =>
	new ApiError(401, 'M_UNKNOWN_TOKEN', message);
export const forbidden = (message: string) => new ApiError(403, 'M_FORBIDDEN', message);
export const badRequest = (message: string) => new ApiError(400, 'M_BAD_JSON', message);
export const notFound = (message: string) => new ApiError(404, 'M_NOT_FOUND', message);
