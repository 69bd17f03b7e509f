// permission_set.mjs runs the reference implementation over the permission
// set, for TestPermissionSetReference: @atproto/lexicon's parseLexiconDoc,
// @atproto/lex-document's schema (what the PDS's lexicon resolver parses
// with) and @atproto/oauth-scopes' IncludeScope, which the PDS's OAuth
// provider uses to expand "include:" into the scopes it grants.
//
// Usage: node permission_set.mjs <node_modules dir> <service ref> < set.json
// stdout: {"type", "title", "scopes": [without aud], "scopesAud": [with it]}
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
const mod = (p) => import(pathToFileURL(join(process.argv[2], p)).href)
const { parseLexiconDoc } = await mod('@atproto/lexicon/dist/index.js')
const { lexiconDocumentSchema } = await mod('@atproto/lex-document/dist/index.js')
const { IncludeScope } = await mod('@atproto/oauth-scopes/dist/index.js')
const json = JSON.parse(readFileSync(0, 'utf8'))
parseLexiconDoc(json)
const doc = lexiconDocumentSchema.parse(json)
const set = doc.defs.main
const scopes = (aud) => IncludeScope.fromString('include:' + doc.id + (aud ? '?aud=' + encodeURIComponent(aud) : '')).toScopes(set)
console.log(JSON.stringify({ type: set.type, title: set.title, scopes: scopes(''), scopesAud: scopes(process.argv[3]) }))
