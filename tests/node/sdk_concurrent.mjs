// Starts N CreateProject calls at once through Depot's official Node SDK (connect-es over h2c: one HTTP/2
// connection, one stream per call), then lists the projects. Prints {results, listed}: per call "ok" or the
// ConnectError's code name and message, and the names ListProjects returned. Input: {"count", "prefix"} on stdin.
import {readFileSync} from 'node:fs'
import {failer, requireLocalApi} from './local_api.mjs'

const CALL_OPTIONS = {timeoutMs: 30000}

const fail = failer('sdk_concurrent')
requireLocalApi(fail)

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
