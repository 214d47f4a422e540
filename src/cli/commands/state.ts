import { pullState, pushState } from '../../engine/transfer.js';
import type { ConflictMerged, SideCount } from '../../state/lockfile-conflict.js';
import type { CommandModule } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit.js';
import { projectState } from '../load.js';
import { conflictText, pushedText } from '../push-text.js';
import { stateNotes } from '../run-report.js';
import { openProjectState } from '../state.js';

export const command: CommandModule = {
  summary: 'bring the lockfile view and the state store together',
  usage: `Usage: callops state pull
       callops state push [--keep-database]

pull   writes the lockfile view from the store. With the file store (callops.lock and
       .callops/), every placement recorded in .callops/ that callops.lock lacks, or holds
       in an older state, is written back into callops.lock, and so is what .callops/
       remembers of the entries state.keep let go (their slots, and the calls they rang,
       which per-number limits count); no entry of callops.lock is dropped. It is the way on when callops.lock was deleted or replaced by an older
       copy (git checkout, a revert, a stale CI cache). A callops.lock git left
       conflicting (its merge-conflict markers, diff3 style too) is first written as its
       two sides merged: an entry either side holds is kept, of two entries of one key
       the placed one. With the postgres store, it writes
       callops.lock from the database (same format and order), for review or commit; it
       refuses while callops.lock (either side of a conflict in it) holds placements the
       database lacks (push them first),
       and while another runner that may place calls (run, apply, push) is live on the
       schema (exit 75). It removes .callops/moved-to-postgres.json: the file store may
       then open again.
push   imports callops.lock into the postgres store, once: entries the database lacks are
       added. A key the database holds otherwise (another status or sid) is a conflict: it
       is listed and left as the database has it (exit 1), while every other entry is
       imported all the same (else a runner would place those calls again). A key a live
       runner is placing is in flight: wait for that runner, then push again. It first takes
       the file store's run lock (refused while a run holds it) and records what a killed
       run left in .callops/journal.jsonl, and refuses a callops.lock that moved backwards
       (deleted, or an older copy). Once imported, .callops/moved-to-postgres.json records
       the move: the file store here refuses to open until a pull. With the file store the
       lockfile already is the state: nothing to push.

  --keep-database   (push) settle each conflicting key: the database's entry stays, unless
                    callops.lock's records more of the call (placed over unknown over
                    failed: a failed entry would make the call due again); the other side's
                    placements (its sid) join the kept entry's history, so neither is
                    forgotten. Keys in flight stay refused. A key settled so is no
                    conflict when pushed again, with the flag or without.`,
  options: { 'keep-database': { type: 'boolean' } },
  allowPositionals: true,
  handlesSignals: false,
  run: async (ctx) => {
    const [sub, ...rest] = ctx.positionals;
    if ((sub !== 'pull' && sub !== 'push') || rest.length > 0) {
      throw new UsageError(
        sub === undefined
          ? 'name a subcommand: `callops state pull` or `callops state push`'
          : `unknown subcommand "${[sub, ...rest].join(' ')}" (the state command takes: pull, push)`,
      );
    }
    const keepDatabase = ctx.values['keep-database'] === true;
    if (keepDatabase && sub !== 'push') {
      throw new UsageError(
        '--keep-database settles the conflicts of an import: it goes with `callops state push`, not pull',
      );
    }
    const { config, env } = await projectState(ctx);
    const lockName = config.lockfile;
    const { store } = await openProjectState(ctx, config, env, `callops state ${sub}`, {
      restore: sub === 'pull',
      // push is the way on from a lockfile the database lacks: it imports it.
      skipLockfileCheck: sub === 'push',
      pushing: sub === 'push',
    });
    try {
      if (sub === 'push') {
        const pushed = await pushState(store, config, stateNotes(ctx), {
          keepStore: keepDatabase,
        });
        if ('nothing' in pushed) {
          ctx.stdout.write(
            `${lockName} does not exist and .callops/ records no placement: nothing to import\n`,
          );
          return EXIT.ok;
        }
        ctx.stdout.write(pushedText(pushed, lockName));
        if (pushed.conflicts.length > 0) throw new CliError(conflictText(pushed, lockName));
        return EXIT.ok;
      }
      const pulled = await pullState(store, config, stateNotes(ctx));
      if (pulled.backend === 'postgres') {
        ctx.stdout.write(
          `wrote ${lockName} from the state database: ${pulled.entries} entr${pulled.entries === 1 ? 'y' : 'ies'}\n`,
        );
        return EXIT.ok;
      }
      const { restored, remembered, conflict } = pulled;
      if (conflict !== undefined) ctx.stdout.write(conflictMergedText(conflict, lockName));
      // A fresh clone (or a folder nothing was placed from) has nothing to compare: saying
      // callops.lock holds all it recorded would read as a check that passed.
      if (!pulled.recorded && conflict !== undefined) {
        ctx.stdout.write(
          `nothing was recorded in .callops/ to add (no call was placed from this folder, or its .callops/ was removed)\n${afterConflict(lockName)}`,
        );
        return EXIT.ok;
      }
      if (!pulled.recorded) {
        ctx.stdout.write(
          `nothing was recorded in .callops/ (no call was placed from this folder, or its .callops/ was removed): ${lockName} is left as it is; nothing to write\n`,
        );
        return EXIT.ok;
      }
      if (restored.length === 0 && remembered.length === 0 && conflict !== undefined) {
        ctx.stdout.write(
          `${lockName} holds every placement recorded in .callops/ too\n${afterConflict(lockName)}`,
        );
        return EXIT.ok;
      }
      if (restored.length === 0 && remembered.length === 0) {
        ctx.stdout.write(
          `${lockName} already holds every placement recorded in .callops/; nothing to write\n`,
        );
        return EXIT.ok;
      }
      if (restored.length > 0) {
        ctx.stdout.write(
          `wrote ${restored.length} entr${restored.length === 1 ? 'y' : 'ies'} recorded in .callops/ back into ${lockName}:\n`,
        );
      }
      for (const key of restored) {
        const entry = pulled.lock.calls[key];
        ctx.stdout.write(
          `  ${key}: ${entry?.status ?? '?'}${entry?.sid ? ` (sid ${entry.sid})` : ''}\n`,
        );
      }
      // The entries `state.keep` let go are in no list above: their calls (which per-number
      // limits count) and slots are kept in the memory of their call.
      if (remembered.length > 0) {
        ctx.stdout.write(
          `wrote the schedule memory recorded in .callops/ back into ${lockName} (the slots let go or reported, and the calls of entries state.keep let go, which per-number limits count): ${remembered.join(', ')}\n`,
        );
      }
      ctx.stdout.write(
        conflict === undefined
          ? `commit ${lockName}, so that the placements are not lost again\n`
          : afterConflict(lockName),
      );
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};

const entries = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;

/** One side of the conflict: "the side of `<<<<<<< HEAD` held 3 entries (1 only there)". */
const sideText = (side: SideCount): string =>
  `the side of \`${side.marker}\` held ${entries(side.entries)} (${side.only} only there)`;

/**
 * "callops.lock held git merge conflict markers (1 conflict): wrote it as its two sides
 * merged, 4 entries: the side of `<<<<<<< HEAD` held 3 entries (1 only there), …"
 */
const conflictMergedText = (conflict: ConflictMerged, lockName: string): string => {
  const hunks = conflict.hunks === 1 ? '1 conflict' : `${conflict.hunks} conflicts`;
  const count = Object.keys(conflict.lock.calls).length;
  return `${lockName} held git merge conflict markers (${hunks}): wrote it as its two sides merged, ${entries(count)}: ${sideText(conflict.ours)}, ${sideText(conflict.theirs)}; of a key both held, the entry that records more of the call was kept (a placed one over any other)\n`;
};

/** What is left to do once the conflict is resolved: git's part. */
const afterConflict = (lockName: string): string =>
  `\`git add ${lockName}\`, then finish the merge (\`git commit\`) or the rebase (\`git rebase --continue\`)\n`;
