// solc command line emulated on solc-js (the npm package `solc`, the compiler built to WebAssembly).
//
// This is a TEMPLATE: tools/solc.py fills the two @@ placeholders, prepends a `#!<node>` line and
// installs the result as `solc-v<version>` in the checkout's compiler folder (.build/solcx), where py-solc-x and
// ape-solidity find it. It speaks the subset of the native CLI they use:
//   --version, --help, --standard-json (JSON on stdin or in a file), --combined-json <outputs> with
//   source files / `-` for stdin, import remappings, --base-path, --include-path, --allow-paths,
//   --evm-version, --optimize, --optimize-runs, --metadata-hash, --metadata-literal,
//   --revert-strings, --via-ir, --no-optimize-yul, --yul-optimizations, --output-dir, --overwrite.
// Only compiler output goes to stdout; anything solc-js itself prints goes to stderr.
"use strict";

const SOLC_MODULE = "@@SOLC_MODULE@@";
const SOLC_VERSION = "@@SOLC_VERSION@@";

const fs = require("fs");
const path = require("path");

const VALUE_FLAGS = new Set([
  "--allow-paths", "--base-path", "--combined-json", "--evm-version", "--include-path",
  "--metadata-hash", "--optimize-runs", "--output-dir", "--revert-strings", "--yul-optimizations",
]);
const BOOL_FLAGS = new Set([
  "--help", "--metadata-literal", "--no-optimize-yul", "--optimize", "--optimize-yul",
  "--overwrite", "--standard-json", "--version", "--via-ir",
]);

// --combined-json output name -> dotted path in a standard-JSON contract output.
const COMBINED = {
  "abi": "abi",
  "asm": "evm.legacyAssembly",
  "bin": "evm.bytecode.object",
  "bin-runtime": "evm.deployedBytecode.object",
  "devdoc": "devdoc",
  "function-debug": "evm.bytecode.functionDebugData",
  "function-debug-runtime": "evm.deployedBytecode.functionDebugData",
  "generated-sources": "evm.bytecode.generatedSources",
  "generated-sources-runtime": "evm.deployedBytecode.generatedSources",
  "hashes": "evm.methodIdentifiers",
  "metadata": "metadata",
  "opcodes": "evm.bytecode.opcodes",
  "srcmap": "evm.bytecode.sourceMap",
  "srcmap-runtime": "evm.deployedBytecode.sourceMap",
  "storage-layout": "storageLayout",
  "transient-storage-layout": "transientStorageLayout",
  "userdoc": "userdoc",
};

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { flags: new Set(), values: {}, includePaths: [], allowPaths: [], files: [], remappings: [] };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    if (arg.startsWith("--") && arg.includes("=")) [arg, value] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
    if (VALUE_FLAGS.has(arg)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`the required argument for option '${arg}' is missing`);
        value = argv[++i];
      }
      if (arg === "--include-path") opts.includePaths.push(value);
      else if (arg === "--allow-paths") opts.allowPaths.push(...value.split(",").filter(Boolean));
      else opts.values[arg] = value;
    } else if (BOOL_FLAGS.has(arg) && value === undefined) {
      opts.flags.add(arg);
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`unrecognised option '${arg}'`);
    } else if (arg.includes("=")) {
      opts.remappings.push(arg);
    } else {
      opts.files.push(arg);
    }
  }
  return opts;
}

function loadCompiler() {
  // solc-js prints through console.log; keep stdout for compiler output only.
  console.log = console.error;
  const solc = require(SOLC_MODULE);
  if (solc.version() !== SOLC_VERSION) {
    throw new UsageError(
      `${SOLC_MODULE} is solc ${solc.version()}, not ${SOLC_VERSION}: run npm ci, then tools.solc.ensure_solc()`);
  }
  return solc;
}

function importReader(opts) {
  const roots = [opts.values["--base-path"] || ".", ...opts.includePaths, ...opts.allowPaths, ".", path.dirname(SOLC_MODULE)]
    .map((p) => path.resolve(p))
    .filter((p, i, all) => all.indexOf(p) === i);
  return (unit) => {
    const candidates = path.isAbsolute(unit) ? [unit] : roots.map((root) => path.join(root, unit));
    for (const file of candidates) {
      try {
        if (fs.statSync(file).isFile()) return { contents: fs.readFileSync(file, "utf8") };
      } catch (_) { /* try the next root */ }
    }
    return { error: `File not found. Searched: ${candidates.join(", ")}` };
  };
}

function standardJson(opts, solc, write) {
  const input = opts.files.length && opts.files[0] !== "-" ? fs.readFileSync(opts.files[0], "utf8") : fs.readFileSync(0, "utf8");
  write(solc.compile(input, { import: importReader(opts) }) + "\n");
  return 0;
}

function unitName(file, basePath) {
  const abs = path.resolve(file);
  const base = basePath ? path.resolve(basePath) : null;
  const name = base && abs.startsWith(base + path.sep) ? path.relative(base, abs) : path.isAbsolute(file) ? abs : path.normalize(file);
  return name.split(path.sep).join("/");
}

function combinedJson(opts, solc, write) {
  const requested = opts.values["--combined-json"].split(",").filter(Boolean);
  const unknown = requested.filter((o) => o !== "ast" && !(o in COMBINED));
  if (unknown.length) throw new UsageError(`Invalid option to --combined-json: ${unknown[0]}`);
  if (!opts.files.length) throw new UsageError("No input files given. If you wish to use the standard input please specify \"-\" explicitly.");

  const sources = {};
  for (const file of opts.files) {
    if (file === "-") sources["<stdin>"] = { content: fs.readFileSync(0, "utf8") };
    else sources[unitName(file, opts.values["--base-path"])] = { content: fs.readFileSync(file, "utf8") };
  }
  const settings = {
    optimizer: { enabled: opts.flags.has("--optimize"), runs: Number(opts.values["--optimize-runs"] || 200) },
    remappings: opts.remappings,
    outputSelection: { "*": { "*": requested.filter((o) => o !== "ast").map((o) => COMBINED[o]), "": requested.includes("ast") ? ["ast"] : [] } },
  };
  if (opts.flags.has("--no-optimize-yul")) settings.optimizer.details = { yul: false };
  if (opts.values["--yul-optimizations"]) settings.optimizer.details = { yul: true, yulDetails: { optimizerSteps: opts.values["--yul-optimizations"] } };
  if (opts.values["--evm-version"]) settings.evmVersion = opts.values["--evm-version"];
  if (opts.flags.has("--via-ir")) settings.viaIR = true;
  if (opts.values["--revert-strings"]) settings.debug = { revertStrings: opts.values["--revert-strings"] };
  if (opts.values["--metadata-hash"] || opts.flags.has("--metadata-literal")) {
    settings.metadata = { useLiteralContent: opts.flags.has("--metadata-literal") };
    if (opts.values["--metadata-hash"]) settings.metadata.bytecodeHash = opts.values["--metadata-hash"];
  }

  const output = JSON.parse(solc.compile(JSON.stringify({ language: "Solidity", sources, settings }), { import: importReader(opts) }));
  const messages = output.errors || [];
  for (const m of messages) process.stderr.write(m.formattedMessage || m.message);
  if (messages.some((m) => m.severity === "error")) return 1;

  const get = (obj, dotted) => dotted.split(".").reduce((o, k) => (o === undefined ? o : o[k]), obj);
  const result = { contracts: {}, version: SOLC_VERSION };
  for (const [source, contracts] of Object.entries(output.contracts || {})) {
    for (const [name, contract] of Object.entries(contracts)) {
      const entry = {};
      for (const o of requested) if (o !== "ast") entry[o] = get(contract, COMBINED[o]);
      result.contracts[`${source}:${name}`] = entry;
    }
  }
  const ids = Object.entries(output.sources || {}).sort((a, b) => a[1].id - b[1].id);
  result.sourceList = ids.map(([name]) => name);
  if (requested.includes("ast")) result.sources = Object.fromEntries(ids.map(([name, s]) => [name, { AST: s.ast, id: s.id }]));
  write(JSON.stringify(result) + "\n");
  return 0;
}

function help() {
  return [
    "solc, the solidity compiler commandline interface (solc-js shim installed by ccsi-dao)",
    `Version: ${SOLC_VERSION}`,
    "",
    "Usage: solc [options] [input_file...]",
    "",
    "  --version            Print the version and exit.",
    "  --standard-json      Switch to Standard JSON input / output mode.",
    `  --combined-json ${["ast", ...Object.keys(COMBINED)].sort().join(",")}`,
    "                       Output a single json document containing the specified information.",
    "",
  ].join("\n");
}

function main(argv) {
  const write = process.stdout.write.bind(process.stdout);
  try {
    const opts = parseArgs(argv);
    if (opts.flags.has("--version")) {
      write(`solc, the solidity compiler commandline interface\nVersion: ${SOLC_VERSION}\n`);
      return 0;
    }
    if (opts.flags.has("--help")) {
      write(help());
      return 0;
    }
    if (opts.flags.has("--standard-json")) return standardJson(opts, loadCompiler(), write);
    if (opts.values["--combined-json"]) return combinedJson(opts, loadCompiler(), write);
    throw new UsageError("this solc-js shim supports only --version, --help, --standard-json and --combined-json");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
