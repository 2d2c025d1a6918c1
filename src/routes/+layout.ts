// The app runs entirely in the browser: plaintext case data exists only there,
// so there is nothing for the server to render.
export const ssr = false;
export const prerender = false;
