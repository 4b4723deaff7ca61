// jsiiboot preload. Go's jsiiboot.Enable() writes this file into its cache
// directory and puts `--require <this file>` into NODE_OPTIONS, so it runs
// first in both node processes of the jsii bridge (jsii's wrapper and its
// kernel) and in any other node the Go program starts. It must therefore never
// break a program it does not recognise: every step checks the layout it
// expects and otherwise leaves node's stock behaviour alone.
'use strict';
(function jsiiboot() {
  // A second copy (NODE_OPTIONS inherited from a parent that also enabled
  // jsiiboot, or an older build's preload) must not hook twice.
  const marker = Symbol.for('wordpress-cdktf.jsiiboot');
  if (global[marker]) return;
  global[marker] = true;

  const Module = require('module');
  const fs = require('fs');
  const path = require('path');

  const debug = process.env.WORDPRESS_JSII_DEBUG === '1'
    ? (msg) => process.stderr.write(`jsiiboot[${process.pid}]: ${msg}\n`)
    : () => {};
  // fallback says, once per process and unless WORDPRESS_JSII_QUIET=1, that a
  // part of the fast path did not apply: a jsii, Node or provider upgrade
  // that changed what this file expects would otherwise only make every
  // synthesis slower, silently.
  let fellBack = false;
  const fallback = (msg) => {
    debug(msg);
    if (fellBack || process.env.WORDPRESS_JSII_QUIET === '1') return;
    fellBack = true;
    process.stderr.write(`jsiiboot: ${msg}: jsii takes its slower stock path (WORDPRESS_JSII_DEBUG=1 tells more)\n`);
  };

  // 0. jsii's kernel normally runs under a second node process (jsii's
  //    bin/jsii-runtime.js) that only checks the node version, gives the
  //    kernel its request channel on fd 3 and wraps the kernel's stdout and
  //    stderr in JSON lines on its own stderr. That costs a node start and
  //    ~45 MiB. Go's Enable instead starts the kernel directly (JSII_RUNTIME,
  //    with --jsiiboot-direct after the script) from a copy of the kernel
  //    saved by an earlier run's wrapper; here the kernel gets the same
  //    channel and wrapping from inside.
  const script = path.basename(process.argv[1] || '');
  if (script === 'jsii-runtime.js' && process.env.JSIIBOOT_RUNTIME_SLOT) {
    saveKernel(path.join(path.dirname(process.argv[1]), '..', 'lib', 'program.js'), process.env.JSIIBOOT_RUNTIME_SLOT);
  }
  if (script === 'program.js' && process.argv[2] === '--jsiiboot-direct') {
    directStdio();
  }

  const sep = path.sep;
  const pkgDir = `${sep}node_modules${sep}@cdktf${sep}provider-aws${sep}`;
  const indexSuffix = `${pkgDir}lib${sep}index.js`;

  // 1. The provider's lib/index.js eagerly requires ~2,070 resource modules
  //    (~2 s, ~500 MiB); lib/lazy-index.js exports the same names through
  //    getters that require on first use. jsii reaches a type by walking
  //    those names from the package's exports, so only the resources the app
  //    uses get loaded.
  const resolveFilename = Module._resolveFilename;
  if (typeof resolveFilename === 'function') {
    const redirected = new Map();
    Module._resolveFilename = function resolveLazyIndex(...args) {
      const file = resolveFilename.apply(this, args);
      if (typeof file !== 'string' || !file.endsWith(indexSuffix)) return file;
      let target = redirected.get(file);
      if (target === undefined) {
        const lazy = file.slice(0, -'index.js'.length) + 'lazy-index.js';
        target = isFile(lazy) ? lazy : file;
        redirected.set(file, target);
        if (target === file) fallback(`no ${lazy}: stock index`);
        else debug(`${file} -> ${lazy}`);
      }
      return target;
    };
  }

  // The kernel process: jsii's lib/program.js, which the wrapper (or Go's
  // direct start) runs with --preserve-symlinks. Steps 2 and 3 apply there.
  const isKernel = path.basename(process.argv[1] || '') === 'program.js' &&
    process.execArgv.includes('--preserve-symlinks');

  // 2. Two costs of every synthesis that change no output, only what a
  //    failure would print (the fast/stock comparisons hold the files equal):
  //    - the kernel formats every type reference it (de)serializes with
  //      util.inspect, for an assertion message it shows only when the
  //      reference is missing (~7% of a synthesis): the formatting now waits
  //      for that failure;
  //    - cdktf captures a JavaScript stack trace of unbounded depth for
  //      every token it creates (~11%), which only its error messages show,
  //      and then as frames of jsii's kernel, not of the Go program: it
  //      captures none.
  //    Each is a fixed text in a file recognised by name; where the text is
  //    not there (another jsii or cdktf), the file compiles unedited and
  //    fallback says so.
  const edits = [
    {
      what: "jsii's type-reference assertion",
      // The main module named program.js, if it is jsii's (its bundle
      // carries its package.json, as saveKernel reads it).
      applies: (mod, file, content) => mod.id === '.' && path.basename(file) === 'program.js' &&
        content.includes('"name":"@jsii/runtime"'),
      from: 'assert(typeRef != null, `Kernel error: expected type information, got ${(0, util_1.inspect)(typeRef)}`);',
      to: 'if (typeRef == null) assert(false, `Kernel error: expected type information, got ${(0, util_1.inspect)(typeRef)}`);',
    },
    {
      what: "cdktf's token stack traces",
      applies: (mod, file) => file.endsWith(`${sep}node_modules${sep}cdktf${sep}lib${sep}tokens${sep}private${sep}stack-trace.js`),
      from: 'function captureStackTrace(below) {\n',
      to: 'function captureStackTrace(below) {\n    return []; // jsiiboot: see its preload, step 2\n',
    },
  ];
  const compile = Module.prototype._compile;
  if (isKernel && typeof compile === 'function') {
    Module.prototype._compile = function compileEdited(content, filename) {
      for (const edit of edits) {
        if (typeof content !== 'string' || typeof filename !== 'string' || !edit.applies(this, filename, content)) continue;
        if (content.includes(edit.from)) {
          content = content.replace(edit.from, () => edit.to);
          debug(`edited ${edit.what} in ${filename}`);
        } else {
          fallback(`${edit.what}: not the expected text in ${filename}, left as it is`);
        }
      }
      return compile.call(this, content, filename);
    };
  }

  // 3. The kernel JSON.parses the provider's 114 MB .jsii assembly (~0.7 s,
  //    ~290 MiB) but then only looks types up by name, a few hundred at most.
  //    Once per provider build we split the assembly into a small header and
  //    one blob of per-type JSON; later runs hand the kernel the header with a
  //    `types` object that parses a type from the blob on first access.
  if (!isKernel || process.env.JSII_VALIDATE_ASSEMBLIES) return;

  const cacheDir = __dirname;
  const assemblySuffix = `${pkgDir}.jsii`;
  const packageCacheMarker = '.jsii-runtime-package-cache';
  // Bumped whenever the index files change shape, so that an old index is
  // never read by a newer preload.
  const indexFormat = 'jsiiboot-index-2';
  const readFileSync = fs.readFileSync;
  const parse = JSON.parse;
  const token = `{"jsiiboot":"lazy-assembly-${process.pid}-${Date.now()}"}`;
  let pending = null;

  fs.readFileSync = function readAssembly(file, ...rest) {
    if (pending === null && rest.length === 0 && typeof file === 'string' && file.endsWith(assemblySuffix)) {
      const assembly = loadAssembly(file);
      if (assembly !== null) {
        pending = assembly;
        return Buffer.from(token);
      }
    }
    return readFileSync.call(this, file, ...rest);
  };
  JSON.parse = function parseAssembly(text, reviver) {
    if (pending !== null && text === token) {
      const assembly = pending;
      pending = null;
      return assembly;
    }
    return parse.call(this, text, reviver);
  };

  // loadAssembly returns the assembly to hand to the kernel, or null for the
  // stock path.
  function loadAssembly(file) {
    try {
      const real = fs.realpathSync(file);
      // jsii's package cache entries are content-addressed and never change
      // once their marker exists, so their path is a sound cache key; a copy
      // extracted afresh into a temporary directory is not worth indexing.
      if (!isFile(path.join(path.dirname(real), packageCacheMarker))) {
        fallback(`${real} is not in jsii's package cache: stock assembly`);
        return null;
      }
      const st = fs.statSync(real);
      const crypto = require('crypto');
      const key = crypto.createHash('sha256').update(`${indexFormat}\0${real}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 32);
      const base = path.join(cacheDir, `assembly-${key}`);
      const lazy = openIndex(base);
      if (lazy !== null) {
        debug(`lazy assembly ${base}`);
        // Marks the index as in use for prune().
        try { fs.utimesSync(`${base}.json`, new Date(), new Date()); } catch (_) { /* read-only cache */ }
        return lazy;
      }
      prune();
      return buildIndex(real, base);
    } catch (err) {
      debug(`assembly index: ${err && err.stack}`);
      fallback(`cannot use the assembly index (${err && err.message}): stock assembly`);
      return null;
    }
  }

  function openIndex(base) {
    let header;
    try {
      header = parse(readFileSync(`${base}.json`, 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }
    const fd = fs.openSync(`${base}.types`, 'r');
    if (fs.fstatSync(fd).size !== header.blobSize) {
      fs.closeSync(fd);
      throw new Error(`${base}.types: size does not match its header`);
    }
    const {fqns, offsets} = header;
    const slot = new Map();
    for (let i = 0; i < fqns.length; i++) slot.set(fqns[i], i);
    const parsed = new Map();
    const get = (fqn) => {
      let value = parsed.get(fqn);
      if (value === undefined) {
        const i = slot.get(fqn);
        const len = offsets[i + 1] - offsets[i];
        const buf = Buffer.allocUnsafe(len);
        let read = 0;
        while (read < len) {
          const n = fs.readSync(fd, buf, read, len - read, offsets[i] + read);
          if (n === 0) throw new Error(`${base}.types: truncated at ${fqn}`);
          read += n;
        }
        value = parse(buf.toString('utf8'));
        parsed.set(fqn, value);
      }
      return value;
    };
    // A Proxy rather than 22,000 getters: building it costs nothing, and
    // Object.keys (the kernel counts the types once) still sees every name.
    const types = new Proxy({}, {
      get: (target, key) => (typeof key === 'string' && slot.has(key) ? get(key) : undefined),
      has: (target, key) => slot.has(key),
      ownKeys: () => fqns.slice(),
      // An accessor, so that Object.keys (which asks every name whether it
      // is enumerable) does not parse every type.
      getOwnPropertyDescriptor: (target, key) => (slot.has(key)
        ? {get: () => get(key), enumerable: true, configurable: true}
        : undefined),
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    });
    // The header keeps `types` in its place (as null), so the assembly's
    // keys come out in the original order.
    header.assembly.types = types;
    return header.assembly;
  }

  function buildIndex(real, base) {
    const assembly = parse(readFileSync(real, 'utf8'));
    if (assembly === null || typeof assembly !== 'object' || !assembly.types || assembly.schema === 'jsii/file-redirect') {
      return assembly;
    }
    const types = assembly.types;
    const fqns = Object.keys(types);
    const offsets = [0];
    const chunks = [];
    let size = 0;
    for (const fqn of fqns) {
      const chunk = Buffer.from(JSON.stringify(types[fqn]), 'utf8');
      chunks.push(chunk);
      size += chunk.length;
      offsets.push(size);
    }
    const header = {assembly: {...assembly, types: null}, fqns, offsets, blobSize: size};
    // Written under temporary names and renamed, blob first: a header on disk
    // always has its whole blob, and concurrent builders (go test runs
    // packages in parallel) only race to rename identical content.
    const tmp = `.${process.pid}.${require('crypto').randomBytes(4).toString('hex')}.tmp`;
    try {
      writeAll(`${base}.types${tmp}`, chunks);
      writeAll(`${base}.json${tmp}`, [Buffer.from(JSON.stringify(header), 'utf8')]);
      fs.renameSync(`${base}.types${tmp}`, `${base}.types`);
      fs.renameSync(`${base}.json${tmp}`, `${base}.json`);
      debug(`indexed ${real} into ${base}`);
    } catch (err) {
      debug(`cannot write assembly index: ${err}`);
      for (const f of [`${base}.types${tmp}`, `${base}.json${tmp}`]) {
        try { fs.unlinkSync(f); } catch (_) { /* never written */ }
      }
    }
    // This run already paid for the full parse: use it.
    return assembly;
  }

  // prune deletes the indexes of provider builds no run has used for 30
  // days (~70 MB each); it runs only when a new index is about to be built.
  function prune() {
    const cutoff = Date.now() - 30 * 24 * 3600 * 1000;
    let names;
    try {
      names = fs.readdirSync(cacheDir);
    } catch (_) {
      return;
    }
    for (const name of names) {
      const m = /^(assembly-[0-9a-f]+)\.json$/.exec(name);
      if (!m) continue;
      try {
        if (fs.statSync(path.join(cacheDir, name)).mtimeMs >= cutoff) continue;
        fs.unlinkSync(path.join(cacheDir, name));
        fs.unlinkSync(path.join(cacheDir, `${m[1]}.types`));
        debug(`pruned ${m[1]}`);
      } catch (_) { /* raced with another process */ }
    }
  }

  function writeAll(file, chunks) {
    const fd = fs.openSync(file, 'w', 0o644);
    try {
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  // saveKernel copies the kernel this wrapper is about to start into the
  // slot Go's Enable named for this jsii-runtime-go build, for the next run.
  // The slot variable is inherited by every process the Go program starts,
  // possibly another jsii program of another version: a slot Enable named
  // (runtime-v<version>) only takes a kernel of that version.
  function saveKernel(program, slot) {
    const target = path.join(slot, 'program.js');
    if (isFile(target)) return;
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      const name = path.basename(slot);
      if (name.startsWith('runtime-v')) {
        const m = /"name":"@jsii\/runtime","version":"([^"]+)"/.exec(fs.readFileSync(program, 'latin1'));
        if (!m || name !== `runtime-v${m[1]}`) {
          debug(`kernel ${m ? m[1] : 'of unknown version'} does not belong in ${slot}`);
          return;
        }
      }
      fs.mkdirSync(slot, {recursive: true, mode: 0o700});
      fs.copyFileSync(program, tmp);
      fs.renameSync(tmp, target);
      debug(`saved ${program} as ${target}`);
    } catch (err) {
      debug(`cannot save the kernel: ${err}`);
      try { fs.unlinkSync(tmp); } catch (_) { /* never written */ }
    }
  }

  // directStdio makes a kernel started without jsii's wrapper behave as if
  // it had one: its request channel (fd 3, which the start command points
  // at /dev/null so nothing else gets that number) is Go's stdin and stdout,
  // and whatever JavaScript prints goes to stderr as the {"stdout": base64}
  // and {"stderr": base64} lines Go's jsii runtime decodes.
  function directStdio() {
    const readSync = fs.readSync;
    const writeSync = fs.writeSync;
    const writeAll = (fd, buf) => {
      for (let off = 0; off < buf.length;) {
        try {
          off += writeSync.call(fs, fd, buf, off, buf.length - off);
        } catch (err) {
          if (err.code !== 'EAGAIN') throw err;
        }
      }
    };
    const wrapped = (tag, buf) => {
      writeAll(2, Buffer.from(`${JSON.stringify({[tag]: buf.toString('base64')})}\n`));
    };
    const toBuffer = (data, rest) => {
      if (typeof data === 'string') {
        return Buffer.from(data, typeof rest[1] === 'string' ? rest[1] : 'utf8');
      }
      const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const length = typeof rest[1] === 'number' ? rest[1] : view.length - offset;
      return view.subarray(offset, offset + length);
    };
    fs.readSync = function readChannel(fd, ...rest) {
      return readSync.call(this, fd === 3 ? 0 : fd, ...rest);
    };
    fs.writeSync = function writeChannel(fd, data, ...rest) {
      if (fd === 3) return writeSync.call(this, 1, data, ...rest);
      if (fd === 1) {
        const buf = toBuffer(data, rest);
        wrapped('stdout', buf);
        return buf.length;
      }
      return writeSync.call(this, fd, data, ...rest);
    };
    const {Writable} = require('stream');
    const stream = (tag, fd) => {
      const w = new Writable({
        write(chunk, encoding, done) {
          wrapped(tag, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
          done();
        },
      });
      w.fd = fd;
      w.isTTY = false;
      return w;
    };
    const stdout = stream('stdout', 1);
    const stderr = stream('stderr', 2);
    Object.defineProperty(process, 'stdout', {configurable: true, enumerable: false, get: () => stdout});
    Object.defineProperty(process, 'stderr', {configurable: true, enumerable: false, get: () => stderr});
    debug('direct kernel, no wrapper');
  }

  function isFile(file) {
    try {
      return fs.statSync(file).isFile();
    } catch (_) {
      return false;
    }
  }
})();
