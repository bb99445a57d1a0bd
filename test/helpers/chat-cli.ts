import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { TEST_TOKEN } from './gateway-process.js';
import { killOnExit } from './kill-on-exit.js';
import { FARCLAW_BIN } from './paths.js';
import { waitFor } from './wait-for.js';

/** `farclaw chat` driven through plain pipes (no pty), as a script or a non-terminal would. */
export interface ChatCli {
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Types one line. */
  type(line: string): void;
  /** Waits (60 s) until `has()` holds; a timeout error carries both outputs. */
  until(what: string, has: () => boolean): Promise<void>;
  /** Ends input (as Ctrl-D would) and resolves with the exit code. */
  end(): Promise<number | null>;
}

/** Starts `farclaw chat --url <url> --token TEST_TOKEN` with `env`; `defer` kills it after the test. */
export function spawnChatCli(url: string, env: NodeJS.ProcessEnv, defer: (dispose: () => unknown) => void): ChatCli {
  const chat = spawn(process.execPath, [FARCLAW_BIN, 'chat', '--url', url, '--token', TEST_TOKEN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  killOnExit(chat);
  defer(() => void chat.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  chat.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  chat.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(chat, 'exit');
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    type: (line) => void chat.stdin.write(`${line}\n`),
    async until(what, has) {
      await waitFor(what, () => has() || undefined, 60_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      });
    },
    async end() {
      chat.stdin.end();
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
