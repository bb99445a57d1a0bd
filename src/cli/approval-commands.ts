import type { Command } from 'commander';
import type { CallFlags } from './rpc.js';
import { runApprovalsList, runApprovalsLog, runApprovalsResolve, type ApprovalsLogFlags } from './commands/approvals.js';

/** `farclaw approvals list|approve|deny|log` (assistant.md 8.5, issue 15). */
export function registerApprovalCommands(
  program: Command,
  setExit: (code: Promise<number>) => void,
  env: NodeJS.ProcessEnv,
  callOptions: (cmd: Command) => Command,
): void {
  const approvals = program.command('approvals').description('answer the assistant’s exec approvals and read the audit trail');
  callOptions(approvals.command('list').description('list exec approvals waiting for an operator'))
    .action((opts: CallFlags) => setExit(runApprovalsList(opts, env)));
  callOptions(approvals.command('approve <id>').description('allow the command once; --always also allows this exact command on this node from now on'))
    .option('--always', 'store an allow-always grant (node commands only)')
    .action((id: string, opts: CallFlags & { always?: boolean }) => setExit(runApprovalsResolve(id, opts.always ? 'allow-always' : 'allow-once', opts, env)));
  callOptions(approvals.command('deny <id>').description('refuse the command; the assistant is told'))
    .action((id: string, opts: CallFlags) => setExit(runApprovalsResolve(id, 'deny', opts, env)));
  callOptions(approvals.command('log').description('the audit trail: who asked, who decided, what ran where, exit code'))
    .option('--limit <n>', 'newest lines to show (1-1000, default 100)')
    .action((opts: ApprovalsLogFlags) => setExit(runApprovalsLog(opts, env)));
}
