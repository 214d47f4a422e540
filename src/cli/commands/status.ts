import { campaignCounts, campaignLines } from '../../campaign/progress.js';
import { gatewaysOf } from '../../engine/gateways.js';
import { callListedOf, callNumberOf, planAt, retryScope } from '../../engine/prepare.js';
import { readState } from '../../engine/state.js';
import { runTargetUnset } from '../../engine/target-notes.js';
import { describeTargets, keyTargets, planTargets, targetsOf } from '../../engine/targets.js';
import { jsonBytes } from '../../plan/index.js';
import { renderCampaignCounts } from '../../report/campaign.js';
import { shownLockfile, shownPlan } from '../../report/lockfile-shown.js';
import { planJson, readWithoutGatewayLines } from '../../report/plan.js';
import { changedKeys, slotTimes, statusHumanPieces, statusJson } from '../../report/status.js';
import { makeStyle } from '../../report/style.js';
import {
  isCampaignKey,
  renderUnsettledHuman,
  unknownPlanned,
  unsettledEntries,
  unsettledJson,
} from '../../report/unsettled.js';
import { DEFAULT_SCHEMA } from '../../state/postgres/schema.js';
import { warnClockAhead } from '../clock-ahead.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { campaignNamed, prepareProject } from '../load.js';
import { refreshOutcomes, storeRecorder } from '../outcomes.js';
import { writeChunks } from '../output.js';
import { openProjectState } from '../state.js';
import { reportUnsettledToGithub } from '../unsettled.js';

export const command: CommandModule = {
  summary: 'show the lockfile, readable',
  usage: `Usage: callops status [--refresh] [--campaign NAME]

Shows the lockfile (with what an interrupted run left in the journal folded in): placed,
failed and unknown entries with their sids and messages, how to settle unknown ones, and
the next slots of scheduled calls, and which placed calls changed since they were placed.
Changes nothing, except with --refresh. Exits 3 while an entry is unknown (a person must
settle it), else 0.

  --refresh   first ask the gateway what became of placed calls without a final outcome
              (one list request per target, and call detail records for calls that ended)
              and record each outcome beside its entry in the lockfile
  --campaign NAME
              only campaign NAME: how many of its rows are placed (outcome not known
              yet), in-flight (a run still going is placing it), answered, busy, no-answer, failed, unknown, suppressed, held (not
              placed: the campaign already dialled its number under another row or
              key), expired and waiting, each row counted once: by its latest attempt, or as waiting
              while a first call, retry or redial is still to come; then its unknown
              entries (a row's no longer in its CSV too) with how to settle each (exit 3
              while there is one)`,
  options: { refresh: { type: 'boolean' }, campaign: { type: 'string' } },
  run: async (ctx) => {
    const prepared = await prepareProject(ctx);
    const { project, choice } = prepared;
    const campaign =
      typeof ctx.values.campaign === 'string'
        ? campaignNamed(prepared, ctx.values.campaign)
        : undefined;
    const lockName = project.config.lockfile;
    const { state } = project.config;
    // What the counts are of: the lockfile, or the database (which writes no lockfile).
    const stateName =
      state.backend === 'postgres'
        ? `postgres (schema ${state.schema ?? DEFAULT_SCHEMA})`
        : lockName;
    const { store } = await openProjectState(ctx, project.config, prepared.env, 'callops status', {
      use: ctx.values.refresh === true ? 'record' : 'read',
      calls: () => project.named,
      secrets: prepared.secrets,
    });
    const read = await (async () => {
      if (ctx.values.refresh === true) {
        const record = storeRecorder(ctx, store, lockName, 'callops status --refresh');
        await refreshOutcomes(ctx, prepared, await readState(store), record);
      }
      return readState(store);
    })().finally(() => store.close());
    // A hand edit or a merge may have put a secret in any of its strings: shown hidden.
    const lock = shownLockfile(read, prepared.secrets);
    const plan = planAt(prepared, lock, ctx.now, { rehearsal: ctx.nowGiven });
    warnClockAhead(ctx.stderr, plan);
    const unsettled = unsettledEntries(
      lock,
      project.calls,
      [],
      ctx.now.getTime(),
      retryScope(prepared),
      unknownPlanned(plan, lock),
    );
    // The first lines of human output, the campaign's as the whole lockfile's: where it
    // stands. Every target its entries, due and upcoming calls go to (those --refresh asks),
    // one line each: a call pinned to a real gateway is dialled there whatever the run's
    // target is.
    const ofCampaign = (key: string) => campaign === undefined || isCampaignKey(key, campaign);
    const targets = targetsOf(choice.runTarget, [
      ...planTargets(plan, (item) => ofCampaign(item.key)).map((target) => ({ target })),
      ...keyTargets(Object.keys(lock.calls).filter(ofCampaign), choice.specs),
    ]);
    // The run's target unresolved here, other targets' entries read without its gateway:
    // said, as the counts and rows below show what the lockfile says was placed.
    const unset = runTargetUnset(prepared, plan);
    const targetNote = [
      describeTargets(targets, choice.specs, prepared.env, prepared.secrets),
      ...(unset === undefined ? [] : readWithoutGatewayLines(plan, unset)),
    ].join('\n');
    if (campaign !== undefined) {
      const counts = campaignCounts(
        campaign,
        campaignLines(
          campaign,
          project.calls,
          lock,
          plan,
          callNumberOf(prepared),
          callListedOf(prepared),
          gatewaysOf(prepared),
        ),
      );
      // Its unknown entries, those of rows no longer in its CSV too: each may have rung.
      const own = unsettled.filter((u) => isCampaignKey(u.key, campaign));
      ctx.stdout.write(
        ctx.format === 'json'
          ? `${JSON.stringify(own.length === 0 ? counts : { ...counts, unsettled: unsettledJson(own) }, null, 2)}\n`
          : [
              `${targetNote}\n`,
              renderCampaignCounts(counts),
              ...(own.length === 0 ? [] : ['\n']),
              ...renderUnsettledHuman(own, makeStyle(ctx.color)).map((l) => `${l}\n`),
            ].join(''),
      );
      await reportUnsettledToGithub(ctx, own);
      // As for the whole lockfile: an unknown entry needs a person.
      return counts.states.unknown > 0 || own.length > 0 ? EXIT.unsettled : EXIT.ok;
    }
    const changed = changedKeys(
      lock,
      project.calls,
      ctx.now,
      callNumberOf(prepared),
      gatewaysOf(prepared),
    );
    const { zones, deadlines } = slotTimes(lock, project.calls);
    const code = unsettled.length > 0 ? EXIT.unsettled : EXIT.ok;
    if (ctx.format === 'json') {
      const { upcoming, due } = planJson(shownPlan(plan, lock));
      // Written as it is made (its entries one at a time), as plan's is.
      await writeChunks(
        ctx.stdout,
        jsonBytes({
          ...statusJson(lock, lockName, changed, unsettled, stateName, deadlines),
          due,
          upcoming,
        }),
      );
      return code;
    }
    // Written a piece at a time: a lockfile of many entries is never one string of text.
    const pieces = statusHumanPieces(lock, shownPlan(plan, lock), {
      lockName: stateName,
      lockfile: lockName,
      targetNote,
      style: makeStyle(ctx.color),
      changed,
      zones,
      deadlines,
      hints: new Map(unsettled.map((u) => [u.key, u.hint])),
    });
    await writeChunks(ctx.stdout, pieces);
    await reportUnsettledToGithub(ctx, unsettled);
    return code;
  },
};
