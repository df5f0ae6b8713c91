// Drives Depot's official Node SDK (@depot/sdk-node) through every ProjectService method against the API at
// DEPOT_API_URL with DEPOT_TOKEN, and prints one JSON document of what the SDK returned and which errors it raised.
// Input: a JSON plan on stdin (names, cache policies, hardware names, trust policies, token descriptions) chosen by
// tests/depot_local/test_node_sdk.py, which asserts on the output. Values are the SDK's own decoding of the
// responses, written with the SDK's proto3 JSON mapping (enum names, int64 as strings, RFC 3339 timestamps).
import {readFileSync} from 'node:fs'
import {failer, requireLocalApi} from './local_api.mjs'
import {createRequire} from 'node:module'

const CALL_OPTIONS = {timeoutMs: 10000}

const fail = failer('sdk_roundtrip')
const apiUrl = requireLocalApi(fail)

const {depot} = await import('@depot/sdk-node')
const {Code, ConnectError} = await import('@connectrpc/connect')
const sdkVersion = createRequire(import.meta.url)('@depot/sdk-node/package.json').version

const plan = JSON.parse(readFileSync(0, 'utf8'))
const projects = depot.core.v1.ProjectService
const auth = (token) => ({...CALL_OPTIONS, headers: {Authorization: `Bearer ${token}`}})
const orgAuth = auth(process.env.DEPOT_TOKEN)

const asJson = (message) => message.toJson({emitDefaultValues: true})

// Runs one SDK call: {ok: true, value} with the decoded response, or {ok: false, code, codeName, message} when the
// SDK raised a ConnectError. Anything else is a bug in this script or the SDK: let it crash the run.
async function attempt(call) {
  try {
    return {ok: true, value: asJson(await call())}
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error
    return {ok: false, code: error.code, codeName: Code[error.code], message: error.rawMessage}
  }
}

// The SDK does not export its enums: look Hardware up in the descriptors it generated (Project.hardware's type).
function hardwareNumbers(listProjectsResponseType) {
  const projectType = listProjectsResponseType.fields.findJsonName('projects').T
  const hardware = projectType.fields.findJsonName('hardware').T
  return (name) => {
    const value = hardware.findName(name)
    if (value === undefined) fail(`the SDK's Hardware enum has no ${name}`)
    return value.no
  }
}

const cachePolicy = ({keepGb, keepDays}) => ({keepGb, keepDays})

const observed = {sdkVersion, apiUrl}

const before = await projects.listProjects({}, orgAuth)
observed.listedBefore = asJson(before)
const hardware = hardwareNumbers(before.getType())

observed.created = await attempt(() =>
  projects.createProject(
    {
      name: plan.create.name,
      regionId: plan.create.regionId,
      cachePolicy: cachePolicy(plan.create.cachePolicy),
      hardware: hardware(plan.create.hardware),
    },
    orgAuth,
  ),
)
if (!observed.created.ok) {
  process.stdout.write(JSON.stringify(observed))
  fail(`CreateProject failed (${observed.created.codeName}: ${observed.created.message}); cannot go on`)
}
const projectId = observed.created.value.project.projectId

observed.got = await attempt(() => projects.getProject({projectId}, orgAuth))
observed.updated = await attempt(() =>
  projects.updateProject(
    {
      projectId,
      name: plan.update.name,
      cachePolicy: cachePolicy(plan.update.cachePolicy),
      hardware: hardware(plan.update.hardware),
    },
    orgAuth,
  ),
)
observed.gotAfterUpdate = await attempt(() => projects.getProject({projectId}, orgAuth))
// Only regionId is present: name, cache policy and hardware must stay as updated above.
observed.regionOnlyUpdate = await attempt(() =>
  projects.updateProject({projectId, regionId: plan.update.regionId}, orgAuth),
)
observed.listed = await attempt(() => projects.listProjects({}, orgAuth))

observed.trustPolicies = {added: {}, removed: {}, listedAfterRemoving: {}}
for (const [kind, fields] of Object.entries(plan.trustPolicies)) {
  observed.trustPolicies.added[kind] = await attempt(() =>
    projects.addTrustPolicy({projectId, provider: {case: kind, value: fields}}, orgAuth),
  )
}
observed.trustPolicies.listed = await attempt(() => projects.listTrustPolicies({projectId}, orgAuth))
for (const [kind, added] of Object.entries(observed.trustPolicies.added)) {
  const trustPolicyId = added.ok ? added.value.trustPolicy.trustPolicyId : 'not-added'
  observed.trustPolicies.removed[kind] = await attempt(() =>
    projects.removeTrustPolicy({projectId, trustPolicyId}, orgAuth),
  )
  observed.trustPolicies.listedAfterRemoving[kind] = await attempt(() =>
    projects.listTrustPolicies({projectId}, orgAuth),
  )
}
const firstKind = Object.keys(plan.trustPolicies)[0]
observed.trustPolicies.removedAgain = await attempt(() =>
  projects.removeTrustPolicy(
    {projectId, trustPolicyId: observed.trustPolicies.added[firstKind].value.trustPolicy.trustPolicyId},
    orgAuth,
  ),
)

const tokens = {}
tokens.created = await attempt(() =>
  projects.createToken({projectId, description: plan.token.description}, orgAuth),
)
const tokenId = tokens.created.ok ? tokens.created.value.tokenId : 'not-created'
tokens.listed = await attempt(() => projects.listTokens({projectId}, orgAuth))
tokens.updated = await attempt(() =>
  projects.updateToken({tokenId, description: plan.token.newDescription}, orgAuth),
)
tokens.listedAfterUpdate = await attempt(() => projects.listTokens({projectId}, orgAuth))
if (tokens.created.ok) {
  // A project token is scoped to its project: managing projects with it is refused.
  tokens.projectTokenCreatesProject = await attempt(() =>
    projects.createProject({name: plan.projectTokenProjectName, regionId: plan.create.regionId}, auth(tokens.created.value.secret)),
  )
}
tokens.deleted = await attempt(() => projects.deleteToken({tokenId}, orgAuth))
tokens.listedAfterDelete = await attempt(() => projects.listTokens({projectId}, orgAuth))
tokens.deletedAgain = await attempt(() => projects.deleteToken({tokenId}, orgAuth))
observed.tokens = tokens

observed.reset = await attempt(() => projects.resetProject({projectId}, orgAuth))
observed.gotAfterReset = await attempt(() => projects.getProject({projectId}, orgAuth))
observed.deleted = await attempt(() => projects.deleteProject({projectId}, orgAuth))
observed.gotAfterDelete = await attempt(() => projects.getProject({projectId}, orgAuth))
observed.listedAfterDelete = await attempt(() => projects.listProjects({}, orgAuth))
observed.deletedAgain = await attempt(() => projects.deleteProject({projectId}, orgAuth))

observed.errors = {
  getMissingProject: await attempt(() => projects.getProject({projectId: plan.missingProjectId}, orgAuth)),
  badToken: await attempt(() => projects.listProjects({}, auth(plan.badToken))),
  noToken: await attempt(() => projects.listProjects({}, CALL_OPTIONS)),
  invalidRegion: await attempt(() =>
    projects.createProject({name: plan.create.name, regionId: plan.invalidRegion}, orgAuth),
  ),
}

// Left in place for the test to read back through raw HTTP (JSON codec), with one trust policy and one token.
const kept = await attempt(() =>
  projects.createProject(
    {
      name: plan.kept.name,
      regionId: plan.kept.regionId,
      cachePolicy: cachePolicy(plan.kept.cachePolicy),
      hardware: hardware(plan.kept.hardware),
    },
    orgAuth,
  ),
)
observed.kept = {project: kept}
if (kept.ok) {
  const keptId = kept.value.project.projectId
  observed.kept.trustPolicy = await attempt(() =>
    projects.addTrustPolicy({projectId: keptId, provider: {case: 'github', value: plan.trustPolicies.github}}, orgAuth),
  )
  observed.kept.token = await attempt(() =>
    projects.createToken({projectId: keptId, description: plan.token.description}, orgAuth),
  )
}

process.stdout.write(JSON.stringify(observed))
