// Preloaded (`node --import`) into a gateway process under test to tell which modules it has
// loaded: every file the ES module loader reads (through the load hook of
// loaded-modules-hooks.ts) and Node's built-ins (`process.moduleLoadList`), with how many of
// those were loaded when V8's flags first changed (v8.setFlagsFromString, wrapped here before
// the process imports node:v8). On SIGUSR2 it writes them to LOADED_MODULES_FILE and
// acknowledges on stderr; loaded-modules.ts is the other side. Inert unless LOADED_MODULES_FILE
// is set.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.LOADED_MODULES_FILE;
if (file !== undefined && file.length > 0) {
  const moduleLoadList = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
  const v8 = createRequire(import.meta.url)('node:v8') as { setFlagsFromString(flags: string): void };
  const setFlags = v8.setFlagsFromString;
  let builtinsAtFlagChange: number | undefined;
  v8.setFlagsFromString = (flags) => {
    builtinsAtFlagChange ??= moduleLoadList.length;
    setFlags(flags);
  };
  const urls: string[] = [];
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => urls.push(url));
  port1.unref();
  register('./loaded-modules-hooks.js', import.meta.url, { data: { port: port2 }, transferList: [port2] });
  process.on('SIGUSR2', () => {
    writeFileSync(file, JSON.stringify({ urls, builtins: moduleLoadList, builtinsAtFlagChange }));
    process.stderr.write('[loaded-modules] written\n');
  });
}
