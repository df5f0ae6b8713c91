// Shared by the Node SDK scripts: refuse to run unless DEPOT_API_URL points at loopback and DEPOT_TOKEN is set.
// The SDK reads DEPOT_API_URL once, when it is imported, and defaults to the real https://api.depot.dev: call
// requireLocalApi before the (dynamic) import so that a script can never talk to anything but loopback.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function failer(script) {
  return (message) => {
    process.stderr.write(`${script}: ${message}\n`)
    process.exit(2)
  }
}

// Returns the API URL.
export function requireLocalApi(fail) {
  const apiUrl = process.env.DEPOT_API_URL
  if (!apiUrl) fail('DEPOT_API_URL is not set; point it at the local Depot API (http://127.0.0.1:PORT)')
  if (!LOOPBACK.has(new URL(apiUrl).hostname)) fail(`DEPOT_API_URL ${apiUrl} is not a loopback address; refusing`)
  if (!process.env.DEPOT_TOKEN) fail('DEPOT_TOKEN is not set; pass an organization token of the local Depot API')
  return apiUrl
}
