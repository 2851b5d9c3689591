// Runs generated JavaScript relays in their deploy runtime for the Python tests.
// Workers run under Miniflare 3 (Cloudflare's workerd); the Vercel function under this Node.
// Protocol: one JSON request per stdin line; each answer is one stdout line starting with
// MARK, so the relays' own console output (also on stdout) can be told apart.
//   {"id", "mode": "worker"|"vercel", "script", "env", "url", "method", "headers", "body_b64",
//    "stream": true to send the body chunked}
import { createInterface } from "node:readline";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Miniflare } from "miniflare";

const MARK = "@@relay-harness@@ ";
const workers = new Map();

async function worker(script, env) {
  const key = JSON.stringify([script, env]);
  if (!workers.has(key)) {
    workers.set(key, new Miniflare({
      // modulesRoot: workerd refuses module paths that climb out of its root with "..".
      modules: true, scriptPath: script, modulesRoot: dirname(script), bindings: env,
      compatibilityDate: "2024-09-23",
    }));
  }
  return workers.get(key);
}

async function vercel(script, env, request) {
  const module = await import(pathToFileURL(script).href);
  for (const name of Object.keys(process.env)) {
    if (/^(TPPM_|LINEAR_|JIRA_)/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, env);
  return module.POST(request);
}

async function handle(message) {
  const init = { method: message.method || "POST", headers: message.headers || {} };
  if (init.method !== "GET") init.body = Buffer.from(message.body_b64 || "", "base64");
  if (message.stream) {
    // Chunked, with no Content-Length: the relay can only learn the size by reading.
    const bytes = init.body;
    init.body = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
    init.duplex = "half";
  }
  let response;
  if (message.mode === "worker") {
    response = await (await worker(message.script, message.env)).dispatchFetch(message.url, init);
  } else {
    response = await vercel(message.script, message.env, new Request(message.url, init));
  }
  return {
    id: message.id,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  let answer;
  try {
    answer = await handle(message);
  } catch (error) {
    answer = { id: message.id, error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(MARK + JSON.stringify(answer) + "\n");
}
await Promise.all([...workers.values()].map((mf) => mf.dispose()));
