#!/usr/bin/env node
// Local infrastructure on loopback: Kafka (KRaft), Apicurio schema registry (Confluent-compatible API),
// mongo-java-server (MongoDB wire protocol, H2 backend) and Redis.
//
//   npm run stack -- up | down | status | env
//
// Binaries are provisioned once into a per-user cache (NOTIFY_STACK_CACHE, default ~/.cache/notify-stack);
// logs and data of a running stack live in .stack/ of the checkout. When KAFKA_BROKERS,
// SCHEMA_REGISTRY_URL, MONGODB_URI and REDIS_URL are all set, nothing is started and those are used.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.NOTIFY_STACK_CACHE || path.join(os.homedir(), '.cache', 'notify-stack');
const STATE = process.env.NOTIFY_STACK_DIR || path.join(ROOT, '.stack');

const VERSIONS = {
  kafka: '3.9.1',
  slf4jReload4j: '1.7.36',
  apicurio: '3.3.3',
  mongoJavaServer: '1.47.0',
  slf4jSimple: '2.0.17',
};

const PORTS = {
  kafka: Number(process.env.NOTIFY_STACK_KAFKA_PORT ?? 19092),
  kafkaController: Number(process.env.NOTIFY_STACK_KAFKA_CONTROLLER_PORT ?? 19093),
  registry: Number(process.env.NOTIFY_STACK_REGISTRY_PORT ?? 18081),
  mongo: Number(process.env.NOTIFY_STACK_MONGO_PORT ?? 27118),
  redis: Number(process.env.NOTIFY_STACK_REDIS_PORT ?? 16379),
};

const READY_TIMEOUT_MS = Number(process.env.NOTIFY_STACK_READY_TIMEOUT_MS ?? 180_000); // three minutes

export const LOCAL_ENV = {
  KAFKA_BROKERS: `127.0.0.1:${PORTS.kafka}`,
  SCHEMA_REGISTRY_URL: `http://127.0.0.1:${PORTS.registry}/apis/ccompat/v7`,
  MONGODB_URI: `mongodb://127.0.0.1:${PORTS.mongo}/notify`,
  REDIS_URL: `redis://127.0.0.1:${PORTS.redis}`,
};
const ENV_KEYS = Object.keys(LOCAL_ENV);

const log = (msg) => process.stderr.write(`[stack] ${msg}\n`);

class StackError extends Error {}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (res.error) throw new StackError(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new StackError(`${cmd} ${args.join(' ')} failed (exit ${res.status}):\n${out}`);
  }
  return res.stdout;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// Writes into a temporary sibling and renames, so an interrupted provisioning never leaves a half cache.
function provisionDir(finalDir, build) {
  if (fs.existsSync(path.join(finalDir, '.complete'))) return finalDir;
  const tmp = `${finalDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  build(tmp);
  fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.renameSync(tmp, finalDir);
  return finalDir;
}

function provisionKafka() {
  const dir = path.join(CACHE, `kafka-${VERSIONS.kafka}`);
  return provisionDir(dir, (tmp) => {
    if (!has('mvn')) throw new StackError('Maven (mvn) is required to fetch the Kafka jars');
    log(`fetching Apache Kafka ${VERSIONS.kafka} jars with Maven (first run only)`);
    fs.writeFileSync(
      path.join(tmp, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.notify.stack</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${VERSIONS.kafka}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${VERSIONS.slf4jReload4j}</version></dependency>
  </dependencies>
</project>
`,
    );
    run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${path.join(tmp, 'libs')}`], {
      cwd: tmp,
    });
  });
}

function provisionApicurio() {
  const dir = path.join(CACHE, `apicurio-${VERSIONS.apicurio}`);
  return provisionDir(dir, (tmp) => {
    if (!has('mvn')) throw new StackError('Maven (mvn) is required to fetch Apicurio Registry');
    log(`fetching Apicurio Registry ${VERSIONS.apicurio} with Maven (first run only, ~160 MB)`);
    const dl = path.join(tmp, 'download');
    run(
      'mvn',
      [
        '-q',
        '-B',
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
        `-Dartifact=io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`,
        `-DoutputDirectory=${dl}`,
      ],
      { cwd: tmp },
    );
    const tarball = fs.readdirSync(dl).find((f) => f.endsWith('.tar.gz'));
    if (!tarball) throw new StackError('Apicurio tarball missing after download');
    run('tar', ['xzf', path.join(dl, tarball), '-C', tmp]);
    fs.rmSync(dl, { recursive: true, force: true });
    if (!fs.existsSync(path.join(tmp, 'quarkus-run.jar'))) throw new StackError('quarkus-run.jar not found in Apicurio tarball');
  });
}

const MONGO_SOURCES = path.join(ROOT, 'scripts', 'stack', 'mongo-wire-server');

// The jars from Maven Central and the small server compiled against them; changed sources get their own cache entry.
function provisionMongoWireServer() {
  const sources = fs.readdirSync(MONGO_SOURCES).filter((f) => f.endsWith('.java')).sort().map((f) => path.join(MONGO_SOURCES, f));
  const hash = createHash('sha256');
  for (const file of sources) hash.update(path.basename(file)).update(fs.readFileSync(file));
  const mainHash = hash.digest('hex').slice(0, 12);
  const dir = path.join(CACHE, `mongo-java-server-${VERSIONS.mongoJavaServer}-${mainHash}`);
  return provisionDir(dir, (tmp) => {
    if (!has('mvn')) throw new StackError('Maven (mvn) is required to fetch mongo-java-server');
    log(`fetching mongo-java-server ${VERSIONS.mongoJavaServer} (H2 backend) with Maven (first run only)`);
    fs.writeFileSync(
      path.join(tmp, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.notify.stack</groupId><artifactId>mongo-wire-server</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>de.bwaldvogel</groupId><artifactId>mongo-java-server-h2-backend</artifactId><version>${VERSIONS.mongoJavaServer}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${VERSIONS.slf4jSimple}</version></dependency>
  </dependencies>
</project>
`,
    );
    const libs = path.join(tmp, 'libs');
    run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`], { cwd: tmp });
    run('javac', ['-cp', `${libs}/*`, '-d', path.join(tmp, 'classes'), ...sources]);
  });
}

function javaMajor(bin) {
  const res = spawnSync(bin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const m = /java\.specification\.version = (\d+)/.exec(`${res.stderr}${res.stdout}`);
  return m ? Number(m[1]) : 0;
}

// Apicurio Registry 3.3 is built for Java 21; Kafka runs on the default java (17+).
function findJava(minMajor) {
  const candidates = [
    process.env.NOTIFY_STACK_JAVA_HOME && path.join(process.env.NOTIFY_STACK_JAVA_HOME, 'bin', 'java'),
    'java',
    process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java'),
    ...(fs.existsSync('/usr/lib/jvm') ? fs.readdirSync('/usr/lib/jvm').map((d) => path.join('/usr/lib/jvm', d, 'bin', 'java')) : []),
  ].filter(Boolean);
  const found = candidates.find((bin) => javaMajor(bin) >= minMajor);
  if (!found) throw new StackError(`a Java ${minMajor}+ runtime is required (set NOTIFY_STACK_JAVA_HOME); tried ${candidates.join(', ')}`);
  return found;
}

function provisionRedis() {
  if (has('redis-server')) return 'redis-server';
  if (process.getuid?.() === 0 && has('apt-get')) {
    log('installing redis-server from Debian packages (first run only)');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'redis-server'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return 'redis-server';
  }
  throw new StackError('redis-server not found: install it (e.g. `apt-get install redis-server`) and retry');
}

// ---------- processes ----------

const pidFile = (name) => path.join(STATE, name, 'pid');
const logFile = (name) => path.join(STATE, name, `${name}.log`);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid(name) {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    return pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

// Where this run's output starts in the (appended) log, so readiness looks only at the current run.
const logStartFile = (name) => path.join(STATE, name, 'log-start');

function logSinceStart(name) {
  let start = 0;
  try {
    start = Number(fs.readFileSync(logStartFile(name), 'utf8')) || 0;
  } catch {
    // started before log offsets were recorded: read the whole log
  }
  try {
    const fd = fs.openSync(logFile(name), 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - start));
      fs.readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function startDetached(name, cmd, args, opts = {}) {
  fs.mkdirSync(path.join(STATE, name), { recursive: true });
  fs.writeFileSync(logStartFile(name), String(fs.existsSync(logFile(name)) ? fs.statSync(logFile(name)).size : 0));
  const out = fs.openSync(logFile(name), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], ...opts });
  fs.writeFileSync(pidFile(name), String(child.pid));
  child.unref();
  return child.pid;
}

function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(1000);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
  });
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function redisPing(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(1000);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => (sock.destroy(), resolve(d.toString().startsWith('+PONG'))));
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
  });
}

async function waitReady(name, check) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (!runningPid(name)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const why = runningPid(name) ? `not ready after ${READY_TIMEOUT_MS / 1000}s` : 'exited';
  throw new StackError(`${name} did not come up (${why}). Last lines of ${logFile(name)}:\n${tail(logFile(name))}`);
}

const SERVERS = {
  kafka: {
    ready: async () => (await tcpOpen(PORTS.kafka)) && /Kafka Server started/.test(logSinceStart('kafka')),
    start() {
      const home = provisionKafka();
      const dir = path.join(STATE, 'kafka');
      const dataDir = path.join(dir, 'data');
      fs.mkdirSync(dir, { recursive: true });
      const props = path.join(dir, 'server.properties');
      fs.writeFileSync(
        props,
        [
          'process.roles=broker,controller',
          'node.id=1',
          `controller.quorum.voters=1@127.0.0.1:${PORTS.kafkaController}`,
          `listeners=PLAINTEXT://127.0.0.1:${PORTS.kafka},CONTROLLER://127.0.0.1:${PORTS.kafkaController}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${PORTS.kafka}`,
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=PLAINTEXT',
          'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          `log.dirs=${dataDir}`,
          'num.partitions=3',
          'offsets.topic.replication.factor=1',
          'offsets.topic.num.partitions=12',
          'transaction.state.log.replication.factor=1',
          'transaction.state.log.min.isr=1',
          'transaction.state.log.num.partitions=12',
          'group.initial.rebalance.delay.ms=0',
          'auto.create.topics.enable=false',
          'log.retention.hours=24',
          'log.segment.bytes=67108864',
          '',
        ].join('\n'),
      );
      const log4j = path.join(dir, 'log4j.properties');
      fs.writeFileSync(
        log4j,
        [
          'log4j.rootLogger=INFO, stdout',
          'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
          'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
          'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
          'log4j.logger.kafka=INFO',
          'log4j.logger.org.apache.kafka=WARN',
          'log4j.logger.kafka.request.logger=WARN',
          'log4j.logger.state.change.logger=WARN',
          '',
        ].join('\n'),
      );
      const cp = `${path.join(home, 'libs')}/*`;
      const java = ['-Xms256m', '-Xmx768m', `-Dlog4j.configuration=file:${log4j}`, '-cp', cp];
      if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
        const clusterId = randomBytes(16).toString('base64url');
        // `--cluster-id=…` in one argument: a base64url id may begin with "-", which would read as an option.
        run('java', [...java, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', props, '--ignore-formatted']);
      }
      startDetached('kafka', 'java', [...java, 'kafka.Kafka', props]);
    },
  },
  registry: {
    ready: () => httpOk(`${LOCAL_ENV.SCHEMA_REGISTRY_URL}/subjects`),
    start() {
      const home = provisionApicurio();
      startDetached(
        'registry',
        findJava(21),
        [
          '-Xms128m',
          '-Xmx512m',
          `-Dquarkus.http.port=${PORTS.registry}`,
          '-Dquarkus.http.host=127.0.0.1',
          '-Dquarkus.management.enabled=false',
          '-Dapicurio.rest.deletion.artifact.enabled=true',
          '-Dapicurio.rest.deletion.artifact-version.enabled=true',
          // On disk, not the default in-memory H2: schema ids must outlive a registry restart, or every
          // record already in Kafka becomes undecodable ("unknown schema id").
          `-Dapicurio.datasource.url=jdbc:h2:file:${path.join(STATE, 'registry', 'data', 'registry')}`,
          '-jar',
          path.join(home, 'quarkus-run.jar'),
        ],
        { cwd: path.join(STATE, 'registry') },
      );
    },
  },
  mongo: {
    ready: async () => (await tcpOpen(PORTS.mongo)) && /mongo-wire server ready/.test(logSinceStart('mongo')),
    start() {
      const home = provisionMongoWireServer();
      const data = path.join(STATE, 'mongo', 'data');
      fs.mkdirSync(data, { recursive: true });
      // Written before documents and index keys were stored as BSON; the server cannot read it.
      const obsolete = path.join(data, 'notify.mv.db');
      if (fs.existsSync(obsolete)) {
        log(`removing ${path.relative(ROOT, obsolete)}, written in an older storage format`);
        fs.rmSync(obsolete);
      }
      startDetached('mongo', 'java', [
        '-Xms64m',
        '-Xmx1g',
        '-XX:+UseSerialGC',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        `${path.join(home, 'classes')}:${path.join(home, 'libs')}/*`,
        'MongoWireServer',
        path.join(data, 'notify.v2.mv.db'),
        String(PORTS.mongo),
      ]);
    },
  },
  redis: {
    ready: () => redisPing(PORTS.redis),
    start() {
      const bin = provisionRedis();
      const dir = path.join(STATE, 'redis');
      fs.mkdirSync(dir, { recursive: true });
      startDetached('redis', bin, [
        '--port',
        String(PORTS.redis),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ]);
    },
  },
};

function externalEnv() {
  const set = ENV_KEYS.filter((k) => process.env[k]);
  if (set.length === ENV_KEYS.length) return Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  if (set.length > 0) {
    const missing = ENV_KEYS.filter((k) => !process.env[k]);
    throw new StackError(`partial external stack: ${set.join(', ')} set but ${missing.join(', ')} missing`);
  }
  return undefined;
}

async function up() {
  if (externalEnv()) {
    log('using the servers named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL; starting nothing');
    return;
  }
  fs.mkdirSync(STATE, { recursive: true });
  const started = [];
  // Provision and start sequentially (provisioning may run Maven/Go), then await readiness in parallel.
  for (const [name, server] of Object.entries(SERVERS)) {
    if (runningPid(name)) continue;
    server.start();
    started.push(name);
  }
  await Promise.all(Object.entries(SERVERS).map(([name, server]) => waitReady(name, server.ready)));
  log(started.length ? `started ${started.join(', ')}; all ready` : 'already running; all ready');
}

async function stopOne(name) {
  const pid = runningPid(name);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(pidFile(name), { force: true });
  return true;
}

async function down() {
  const stopped = [];
  for (const name of Object.keys(SERVERS).reverse()) if (await stopOne(name)) stopped.push(name);
  log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

async function status() {
  let allUp = true;
  for (const [name, server] of Object.entries(SERVERS)) {
    const pid = runningPid(name);
    const ready = pid ? await server.ready() : false;
    allUp &&= ready;
    console.log(`${name.padEnd(9)} ${pid ? `pid ${pid}` : 'stopped'}${pid ? (ready ? ' ready' : ' not ready') : ''}`);
  }
  return allUp;
}

function printEnv() {
  const env = externalEnv() ?? LOCAL_ENV;
  for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);
}

async function main() {
  const [verb, ...rest] = process.argv.slice(2);
  switch (verb) {
    case 'up':
      if (rest.includes('--fresh')) {
        await down();
        fs.rmSync(STATE, { recursive: true, force: true });
      }
      await up();
      printEnv();
      break;
    case 'down':
      await down();
      break;
    case 'status':
      process.exitCode = (await status()) ? 0 : 1;
      break;
    case 'env':
      printEnv();
      break;
    case 'restart': {
      // Used by fault-injection tests: restart one server in place, keeping its data.
      const name = rest[0];
      if (!SERVERS[name]) throw new StackError(`unknown server ${name}; one of ${Object.keys(SERVERS).join(', ')}`);
      await stopOne(name);
      SERVERS[name].start();
      await waitReady(name, SERVERS[name].ready);
      break;
    }
    default:
      console.error('usage: npm run stack -- up [--fresh] | down | status | env | restart <kafka|registry|mongo|redis>');
      process.exitCode = 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err instanceof StackError ? `[stack] ${err.message}` : err);
    process.exit(1);
  });
}
