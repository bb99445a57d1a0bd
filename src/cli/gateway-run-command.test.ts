import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommanderError, type Command } from 'commander';
import { buildGatewayRunProgram, isGatewayRun } from './gateway-run-command.js';
import { buildProgram } from './program.js';

/** What a user sees when `program` parses argv: stdout, stderr and the commander code it ends with. */
async function outcome(program: Command, args: string[]): Promise<{ out: string; err: string; code: string }> {
  let out = '';
  let err = '';
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'farclaw', 'gateway', 'run', ...args]);
    return { out, err, code: 'parsed' };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { out, err, code: e.code };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

describe('the gateway-only program (issue 13: idle RSS)', () => {
  it('takes `gateway run …` only, with the command words first', () => {
    assert.equal(isGatewayRun(['node', 'farclaw', 'gateway', 'run']), true);
    assert.equal(isGatewayRun(['node', 'farclaw', 'gateway', 'run', '--port', '1', '--help']), true);
    for (const words of [['gateway'], ['gateway', '--help'], ['help', 'gateway', 'run'], ['gateway', 'help', 'run'], ['--verbose', 'gateway', 'run'], ['gateway', 'call', 'run'], []]) {
      assert.equal(isGatewayRun(['node', 'farclaw', ...words]), false, words.join(' '));
    }
  });

  it('prints the same help and refuses the same bad arguments, word for word, as the whole command tree', async () => {
    const never = (): void => assert.fail('no argv here may start a gateway');
    const cases = [['--help'], ['-h'], ['--nope'], ['extra'], ['--port'], ['--token'], ['-V'], ['--help', '--nope']];
    for (const args of cases) {
      const whole = await outcome(buildProgram(never, {}), args);
      const alone = await outcome(buildGatewayRunProgram(never, {}), args);
      assert.deepEqual(alone, whole, args.join(' '));
      assert.notEqual(whole.out + whole.err, '', `${args.join(' ')} prints something`);
    }
  });
});
