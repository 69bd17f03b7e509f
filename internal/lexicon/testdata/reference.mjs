// reference.mjs runs records through the reference lexicon validator,
// @atproto/lexicon, for the differential test in reference_test.go.
//
// Usage: node reference.mjs <node_modules dir that holds @atproto/lexicon>
//
// stdin, one JSON value a line:
//   first line:  {"lexicons": [<lexicon schema document>, ...]}
//   then:        {"nsid": "<collection>", "record": <record as JSON>}
// stdout, one line per record, in order:
//   {"valid": true} or {"valid": false, "error": "<message>"}
//
// Records are converted from JSON with jsonToLex, as an XRPC server does
// with a request body, then checked with Lexicons.assertValidRecord.
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = process.argv[2]
if (!modules) {
  console.error('usage: node reference.mjs <node_modules dir>')
  process.exit(2)
}
const { Lexicons, jsonToLex } = await import(
  pathToFileURL(join(modules, '@atproto/lexicon/dist/index.js')).href
)

let lex = null
const out = []
const flush = () => {
  if (out.length > 0) {
    process.stdout.write(out.join('\n') + '\n')
    out.length = 0
  }
}
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of rl) {
  if (line === '') continue
  const msg = JSON.parse(line)
  if (lex === null) {
    lex = new Lexicons(msg.lexicons)
    continue
  }
  let verdict
  try {
    lex.assertValidRecord(msg.nsid, jsonToLex(msg.record))
    verdict = { valid: true }
  } catch (err) {
    verdict = { valid: false, error: String(err && err.message ? err.message : err) }
  }
  out.push(JSON.stringify(verdict))
  if (out.length >= 256) flush()
}
flush()
