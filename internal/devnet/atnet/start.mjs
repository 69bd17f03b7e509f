// start.mjs starts the official PLC directory and PDS (from @atproto/dev-env)
// on 127.0.0.1 and writes their addresses as JSON to the file named by argv[2].
// It stops when stdin closes (its parent died) or on SIGTERM/SIGINT.
//
// With ATNET_DATA set, the network keeps its state in that folder between
// runs: the PDS's databases and blobs, its PLC rotation key, and every PLC
// operation (replayed into the in-memory PLC directory at start).
import crypto from 'node:crypto'
import dns from 'node:dns'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

// dev-env calls listen(port) without a host, which binds every interface.
// Bind loopback only: a listen call that names no host gets 127.0.0.1.
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && !args[0].host && args[0].port !== undefined) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return origListen.apply(this, args)
}

// Names ending in ATNET_LOOPBACK_SUFFIXES (".test,.apps.internal") resolve
// to 127.0.0.1, so that the PDS reaches apps the tests publish through
// their TLS proxy (whose certificate NODE_EXTRA_CA_CERTS makes it trust).
const loopbackSuffixes = (process.env.ATNET_LOOPBACK_SUFFIXES || '').split(',').filter(Boolean)
if (loopbackSuffixes.length > 0) {
  const origLookup = dns.lookup
  dns.lookup = function (hostname, options, callback) {
    if (typeof options === 'function') {
      callback = options
      options = {}
    }
    if (typeof hostname === 'string' && loopbackSuffixes.some((s) => hostname.endsWith(s))) {
      if (typeof options === 'object' && options?.all) {
        return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }])
      }
      return process.nextTick(callback, null, '127.0.0.1', 4)
    }
    return origLookup.call(this, hostname, options, callback)
  }
}

const out = process.argv[2]
const hostname = process.env.ATNET_PDS_HOSTNAME || 'pds.test'
if (!out) {
  console.error('usage: node start.mjs <out.json>')
  process.exit(2)
}

// The packages live in the install folder (ATNET_DIR), not beside this file.
const installDir = process.env.ATNET_DIR
if (!installDir) {
  console.error('start.mjs: ATNET_DIR (the folder holding node_modules) is not set')
  process.exit(2)
}
const requireFrom = createRequire(path.join(installDir, 'package.json'))
const { TestPlc, TestPds, TestNetworkNoAppView, mockNetworkUtilities } = await import(
  pathToFileURL(requireFrom.resolve('@atproto/dev-env')).href
)

const started = Date.now()
const dataDir = process.env.ATNET_DATA || ''
const plc = await TestPlc.create({})
const pdsCfg = { didPlcUrl: plc.url, hostname, serviceHandleDomains: ['.test'] }
if (dataDir) {
  await persistPLC(plc.ctx.db, path.join(dataDir, 'plc-operations.jsonl'))
  Object.assign(pdsCfg, persistentPDS(path.join(dataDir, 'pds')))
}
const pds = await TestPds.create(pdsCfg)
mockNetworkUtilities(pds)
const network = new TestNetworkNoAppView(plc, pds)

// The lexicon authority (testnet.WithLexiconAuthority): an account whose
// repo the PDS resolves every lexicon from, as PDS_LEXICON_AUTHORITY_DID
// (config lexicon.didAuthority) does. Its DID exists only once the account
// does, so the running PDS's setting is set here; the PDS reads it at every
// resolution.
let lexiconAuthorityDid
if (process.env.ATNET_LEXICON_AUTHORITY_HANDLE) {
  const { data } = await network.pds.getAgent().com.atproto.server.createAccount({
    handle: process.env.ATNET_LEXICON_AUTHORITY_HANDLE,
    email: process.env.ATNET_LEXICON_AUTHORITY_EMAIL,
    password: process.env.ATNET_LEXICON_AUTHORITY_PASSWORD,
  })
  lexiconAuthorityDid = data.did
  network.pds.ctx.cfg.lexicon.didAuthority = lexiconAuthorityDid
}

const info = {
  pdsUrl: `http://127.0.0.1:${network.pds.port}`,
  pdsPort: network.pds.port,
  pdsHostname: hostname,
  plcUrl: `http://127.0.0.1:${network.plc.port}`,
  adminPassword: network.pds.ctx.cfg.service.devMode ? 'admin-pass' : '',
  startMillis: Date.now() - started,
  lexiconAuthorityDid,
}
fs.writeFileSync(out + '.tmp', JSON.stringify(info, null, 2))
fs.renameSync(out + '.tmp', out)
console.log(`atnet: PDS ${info.pdsUrl} (https://${hostname}), PLC ${info.plcUrl}, up in ${info.startMillis} ms`)

// persistPLC replays the operations saved in file into the in-memory PLC
// database, and appends every new one to it.
async function persistPLC(db, file) {
  if (fs.existsSync(file)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    for (const line of lines) {
      const { did, operation } = JSON.parse(line)
      await db.validateAndAddOp(did, operation)
    }
    console.log(`atnet: replayed ${lines.length} PLC operations from ${file}`)
  }
  const add = db.validateAndAddOp.bind(db)
  db.validateAndAddOp = async (did, operation) => {
    await add(did, operation)
    fs.appendFileSync(file, JSON.stringify({ did, operation }) + '\n')
  }
}

// persistentPDS is the PDS configuration that keeps its databases, blobs
// and PLC rotation key in dir.
function persistentPDS(dir) {
  fs.mkdirSync(path.join(dir, 'blobs'), { recursive: true })
  const keyFile = path.join(dir, 'plc-rotation-key.hex')
  if (!fs.existsSync(keyFile)) {
    // A secp256k1 private key is 32 random bytes below the curve order.
    fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('hex'), { mode: 0o600 })
  }
  return {
    dataDirectory: dir,
    blobstoreDiskLocation: path.join(dir, 'blobs'),
    plcRotationKeyK256PrivateKeyHex: fs.readFileSync(keyFile, 'utf8').trim(),
  }
}

let closing = false
async function shutdown(why) {
  if (closing) return
  closing = true
  console.log(`atnet: stopping (${why})`)
  const timer = setTimeout(() => process.exit(1), 5000)
  timer.unref()
  try {
    await network.close()
  } catch (err) {
    console.error('atnet: close:', err)
  }
  process.exit(0)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.stdin.on('end', () => shutdown('stdin closed'))
process.stdin.on('error', () => shutdown('stdin error'))
process.stdin.resume()
