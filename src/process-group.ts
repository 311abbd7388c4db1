// The child's process group: spawn.ts starts the child as the leader of a new session and group (setsid), so that a
// signal reaches the whole tree it starts (`npm start` -> sh -> node), and nothing of that tree outlives the child.
import type { Logger } from './log.js';
import type { Child } from './spawn.js';

/** After the child exits on its own, how long what it left running has between SIGTERM and SIGKILL. */
export const LEFTOVER_GRACE_MS = 2000;
/** How often we look whether the group is empty yet (kill(-pgid, 0), one system call). */
const POLL_MS = 50;

/**
 * Sends `signal` to the child's process group (its pgid is its pid), or to the child alone with `singleChild`, or
 * when the group is gone (the child moved to another one). SIGKILL goes to the child too, whatever group it is in.
 */
export function signalTree(child: Child, signal: NodeJS.Signals, singleChild = false): void {
  if (!singleChild && child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
      if (signal !== 'SIGKILL') return;
    } catch {
      // ESRCH: no process left in the group; EPERM: none we may signal. The child itself may still be there.
    }
  }
  child.kill(signal); // a child already reaped is left alone (Node checks)
}

/**
 * Job control without the terminal's help: the child is in another session, so Ctrl-Z and `fg` signal only us. The
 * kernel drops SIGTSTP sent to an orphaned process group (one whose members' parents are all outside its session,
 * as ours is by construction), so the group gets SIGSTOP, as dumb-init rewrites it; then we stop too, and the shell
 * sees its job stopped. SIGCONT (`fg`, `bg`) resumes us, and the group after us.
 */
export function jobControl(child: Child, signal: NodeJS.Signals): void {
  if (signal === 'SIGCONT') return signalTree(child, 'SIGCONT');
  signalTree(child, 'SIGSTOP');
  process.kill(process.pid, 'SIGSTOP');
}

/** Whether any process of group `pgid` is left that we may signal (a zombie not reaped yet counts). */
function groupLeft(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Once the child has exited (and been reaped), ends what it left in its group: SIGTERM (unless `terminated`, the
 * group having had its SIGTERM with the stop request), then SIGKILL after `graceMs`, or at once when `now` settles
 * (a stop request). Resolves once the group is empty or has been SIGKILLed.
 */
export async function endLeftovers(pgid: number, o: { graceMs: number; terminated: boolean; now: Promise<void>; log: Logger }): Promise<void> {
  if (!groupLeft(pgid)) return;
  let hurry = false;
  void o.now.then(() => (hurry = true));
  const deadline = Date.now() + o.graceMs;
  const grace = `${Number((o.graceMs / 1000).toFixed(1))} s`;
  o.log.notice(`the child exited; processes it started still run: ${o.terminated ? '' : 'SIGTERM to its process group, '}SIGKILL in ${grace}`);
  if (!o.terminated) signalGroup(pgid, 'SIGTERM');
  while (groupLeft(pgid)) {
    if (hurry || Date.now() >= deadline) {
      o.log.warn(`processes the child started still run${hurry ? ' at a stop request' : ` ${grace} later`}: sending SIGKILL to its process group`);
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Resolves once group `pgid` is empty (its SIGKILLed members gone), or after `ms`: the most a restart waits for it. */
export async function groupGone(pgid: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; groupLeft(pgid) && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, POLL_MS / 5));
}

/** kill(-pgid, signal), for a group whose leader is gone; a group emptied meanwhile is no error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the last one exited between our look and the signal.
  }
}
