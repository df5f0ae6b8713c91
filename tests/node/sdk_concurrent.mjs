// Starts N CreateProject calls at once through Depot's official Node SDK (connect-es over h2c: one HTTP/2
// connection, one stream per call), then lists the projects. Prints {results, listed}: per call "ok" or the
// ConnectError's code name and message, and the names ListProjects returned. Input: {"count", "prefix"} on stdin.
import {readFileSync} from 'node:fs'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const CALL_OPTIONS = {timeoutMs: 30000}

function fail(message) {
  process.stderr.write(`sdk_concurrent: ${message}\n`)
  process.exit(2)
}

// Checked before the SDK is imported (it reads DEPOT_API_URL then): this script only ever talks to loopback.
const apiUrl = process.env.DEPOT_API_URL
if (!apiUrl) fail('DEPOT_API_URL is not set; point it at the local Depot API (http://127.0.0.1:PORT)')
if (!LOOPBACK.has(new URL(apiUrl).hostname)) fail(`DEPOT_API_URL ${apiUrl} is not a loopback address; refusing`)
if (!process.env.DEPOT_TOKEN) fail('DEPOT_TOKEN is not set; pass an organization token of the local Depot API')

const {depot} = await import('@depot/sdk-node')
const {Code, ConnectError} = await import('@connectrpc/connect')

const {count, prefix} = JSON.parse(readFileSync(0, 'utf8'))
const projects = depot.core.v1.ProjectService
const options = {...CALL_OPTIONS, headers: {Authorization: `Bearer ${process.env.DEPOT_TOKEN}`}}

const settled = await Promise.allSettled(
  Array.from({length: count}, (_, i) => projects.createProject({name: `${prefix}-${i}`, regionId: 'us-east-1'}, options)),
)
const results = settled.map((outcome) => {
  if (outcome.status === 'fulfilled') return 'ok'
  const error = outcome.reason
  if (!(error instanceof ConnectError)) return `not a ConnectError: ${error}`
  return `${Code[error.code]}: ${error.rawMessage}`
})
const listed = (await projects.listProjects({}, options)).projects.map((project) => project.name)
process.stdout.write(JSON.stringify({results, listed}))
