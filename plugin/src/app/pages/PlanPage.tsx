import React, { useCallback, useEffect, useMemo, useState } from 'react';
import type {
  CleanupConflict,
  CleanupExecuteReport,
  CleanupPlan,
  PlannedImage,
  SelectedImage,
} from '@ecr-lens/contract';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  ConfirmModal,
  Input,
  LinkButton,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';

import type { AppClient } from '../client';
import { formatBytes, formatTime, formatUsd, shortDigest } from '../format';
import {
  approvalKey,
  approvedBytes,
  approvedImages,
  families,
  follows,
  imageKey,
  imagesByRepository,
  repositoryApproval,
  repositoryKey,
  setImage,
  setRepository,
  visibleRepositories,
  type RepositoryView,
  stillDeleted,
} from '../plan/selection';
import { APP_PAGES } from '../settings';
import { ConflictDiff } from './ConflictDiff';
import { ExecutionReport } from './ExecutionReport';
import { Reasons } from './Reasons';
import { Loading } from './Loading';
import { tableStyles } from './styles';

interface Props {
  client: AppClient;
  /** The signed-in user's role may execute (the proxy routes' reqRole say the same to a forged request). */
  canExecute: boolean;
}

/** A dry run, with exactly what it was of: the execution sends these, never the page's state at that moment. */
interface Preview {
  planId: string;
  images: SelectedImage[];
  report: CleanupExecuteReport;
}

const STATUS_COLOUR = { ok: 'green', blocked: 'red', 'no-rule': 'blue' } as const;
const DECISION_COLOUR = { delete: 'orange', keep: 'green', blocked: 'red' } as const;

/**
 * The cleanup plan: per repository what would be deleted and why not, each repository's images with every reason,
 * and, for those allowed, approving a selection, previewing it as a dry run and executing exactly that.
 */
export function PlanPage({ client, canExecute }: Props) {
  const styles = useStyles2(tableStyles);
  const [plan, setPlan] = useState<CleanupPlan>();
  const [loadError, setLoadError] = useState<string>();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [preview, setPreview] = useState<Preview>();
  const [executed, setExecuted] = useState<CleanupExecuteReport>();
  const [conflict, setConflict] = useState<CleanupConflict>();
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState<'preview' | 'execute' | 'refresh'>();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [filter, setFilter] = useState('');
  const [view, setView] = useState<RepositoryView>('all');

  const apply = useCallback((next: CleanupPlan, keep?: (next: CleanupPlan) => Set<string>) => {
    setPlan(next);
    setSelected(keep ? keep(next) : new Set());
    // A preview is of the plan it was made with: a reloaded plan needs its own.
    setPreview(undefined);
    setLoadError(undefined);
  }, []);
  const failed = (err: unknown) => setLoadError(err instanceof Error ? err.message : String(err));
  const load = (keep?: (next: CleanupPlan) => Set<string>) => client.plan().then((next) => apply(next, keep), failed);

  useEffect(() => {
    client.plan().then(apply, (err: unknown) => setLoadError(err instanceof Error ? err.message : String(err)));
  }, [client, apply]);

  const family = useMemo(() => (plan ? families(plan) : undefined), [plan]);
  const byRepository = useMemo(() => (plan ? imagesByRepository(plan) : new Map<string, PlannedImage[]>()), [plan]);
  const visible = useMemo(() => visibleRepositories(plan?.repositories ?? [], filter, view), [plan, filter, view]);
  const approved = useMemo(() => (plan ? approvedImages(plan, selected) : []), [plan, selected]);
  // Keys of 10,000 images are made once per change of plan, selection or preview, not on every render.
  const currentKey = useMemo(() => (plan ? approvalKey(plan.planId, approved) : ''), [plan, approved]);
  const previewIsCurrent = useMemo(
    () =>
      preview !== undefined &&
      preview.report.outcome === 'dry_run' &&
      approvalKey(preview.planId, preview.images) === currentKey,
    [preview, currentKey]
  );

  const changeSelection = (next: Set<string>) => {
    setSelected(next);
    setExecuted(undefined);
    setActionError(undefined);
  };

  /** Previews the approved images of the plan shown, or executes exactly what the current preview was of. */
  const run = async (dryRun: boolean) => {
    const request = dryRun ? plan && { planId: plan.planId, images: approved } : previewIsCurrent ? preview : undefined;
    if (!request) {
      return;
    }
    setBusy(dryRun ? 'preview' : 'execute');
    setActionError(undefined);
    try {
      const result = await client.execute(request.planId, request.images, dryRun);
      if (result.kind === 'conflict') {
        setConflict(result.conflict);
        setPreview(undefined);
        return;
      }
      if (dryRun) {
        setPreview({ planId: request.planId, images: request.images, report: result.report });
      } else {
        setExecuted(result.report);
        await load();
      }
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };

  const reviewNewPlan = async () => {
    const before = selected;
    setConflict(undefined);
    setPreview(undefined);
    await load((next) => stillDeleted(next, before));
  };

  const refresh = async () => {
    setBusy('refresh');
    setNotice(undefined);
    try {
      const outcome = await client.refresh();
      setNotice(
        outcome.started ? 'Refresh started; the plan below is reloaded.' : `Refresh ${outcome.reason ?? 'joined'}.`
      );
      await load();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };

  if (loadError || !plan) {
    return <Loading what="the cleanup plan" error={loadError} />;
  }

  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" gap={2} alignItems="center" wrap="wrap">
        <Text color="secondary" data-testid="plan-id">
          Plan {plan.planId.slice(0, 12)} · generated {formatTime(plan.generatedAt)} · snapshot {plan.snapshotVersion}
        </Text>
        <Text>
          {plan.summary.delete} of {plan.summary.images} images to delete · {formatBytes(plan.summary.reclaimableBytes)}{' '}
          reclaimable · {formatUsd(plan.summary.monthlyUsd)}/month
        </Text>
        {canExecute && (
          <Button variant="secondary" icon="sync" onClick={refresh} disabled={busy !== undefined}>
            Refresh inventory
          </Button>
        )}
      </Stack>
      {notice && <Alert severity="info" title={notice} />}
      {plan.notices.length > 0 && (
        <Alert severity="warning" title="What this plan cannot see">
          <ul>
            {plan.notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Alert>
      )}
      {plan.totalImages > plan.images.length && (
        <Alert severity="info" title="Part of the plan">
          The plan lists {plan.images.length} of {plan.totalImages} images; only those can be approved here.
        </Alert>
      )}
      {!canExecute && (
        <Alert severity="info" title="Read only">
          You can review the plan. Approving and executing a cleanup is for the role the ECR Lens app is set to.
        </Alert>
      )}
      {conflict && <ConflictDiff conflict={conflict} onReview={reviewNewPlan} />}

      <Stack direction="row" gap={1} alignItems="center">
        <Input
          aria-label="Filter repositories"
          placeholder="Filter repositories (account/region/name contains…)"
          width={50}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
        />
        <RadioButtonGroup<RepositoryView>
          aria-label="Show repositories"
          options={[
            { label: 'All', value: 'all' },
            { label: 'With images to delete', value: 'delete' },
            { label: 'Blocked', value: 'blocked' },
          ]}
          value={view}
          onChange={(v) => setView(v)}
        />
        <Text color="secondary" data-testid="repositories-shown">
          {visible.shown.length < visible.matched
            ? `Showing ${visible.shown.length} of ${visible.matched} repositories: narrow the filter.`
            : `${visible.matched} of ${plan.repositories.length} repositories`}
        </Text>
      </Stack>
      <table className={styles.table} aria-label="Repositories">
        <thead>
          <tr>
            {canExecute && <th>Approve</th>}
            <th>Repository</th>
            <th>Status</th>
            <th>Rule</th>
            <th>To delete</th>
            <th>Reclaimable</th>
            <th>Monthly</th>
            <th>Why blocked</th>
          </tr>
        </thead>
        <tbody>
          {visible.shown.map((r) => {
            const key = repositoryKey(r);
            const images = byRepository.get(key);
            const approval = repositoryApproval(images, selected);
            const open = expanded.has(key);
            return (
              <React.Fragment key={key}>
                <tr>
                  {canExecute && (
                    <td>
                      <Checkbox
                        aria-label={`Approve ${key}`}
                        value={approval === 'all'}
                        indeterminate={approval === 'some'}
                        disabled={r.summary.delete === 0 || !images?.some((i) => i.decision === 'delete')}
                        onChange={() => changeSelection(setRepository(selected, images, approval !== 'all'))}
                      />
                    </td>
                  )}
                  <td>
                    <Button
                      fill="text"
                      size="sm"
                      icon={open ? 'angle-down' : 'angle-right'}
                      aria-expanded={open}
                      onClick={() => setExpanded(toggled(expanded, key))}
                    >
                      {key}
                    </Button>
                  </td>
                  <td>
                    <Badge text={r.status} color={STATUS_COLOUR[r.status]} />
                  </td>
                  <td>{r.rule ?? '—'}</td>
                  <td>{r.summary.delete}</td>
                  <td>{formatBytes(r.summary.reclaimableBytes)}</td>
                  <td>{formatUsd(r.summary.monthlyUsd)}</td>
                  <td>{r.blockedReasons.map((b) => b.text).join(' ')}</td>
                </tr>
                {open && (
                  <tr>
                    <td colSpan={canExecute ? 8 : 7}>
                      <RepositoryImages
                        label={key}
                        images={images ?? []}
                        selected={selected}
                        canExecute={canExecute}
                        goesWith={(image) => (family ? follows(family, image) : false)}
                        onToggle={(image, approve) =>
                          family && changeSelection(setImage(selected, image, approve, family))
                        }
                      />
                    </td>
                  </tr>
                )}
              </React.Fragment>
            );
          })}
        </tbody>
      </table>

      {canExecute && (
        <Stack direction="column" gap={1}>
          <Text data-testid="approval">
            {approved.length} images approved · {formatBytes(approvedBytes(plan, selected))} reclaimable
          </Text>
          <Stack direction="row" gap={1}>
            <Button
              variant="secondary"
              icon="eye"
              disabled={approved.length === 0 || busy !== undefined}
              onClick={() => run(true)}
            >
              Preview (dry run)
            </Button>
            <Button
              variant="destructive"
              icon="trash-alt"
              disabled={!previewIsCurrent || busy !== undefined}
              tooltip={previewIsCurrent ? undefined : 'Preview this selection first'}
              onClick={() => setConfirming(true)}
            >
              Execute
            </Button>
          </Stack>
          {actionError && (
            <Alert severity="error" title="The sidecar refused">
              {actionError}
            </Alert>
          )}
          {preview && previewIsCurrent && (
            <ExecutionReport title="Dry run: exactly what would be deleted" report={preview.report} />
          )}
          {executed && (
            <Stack direction="column" gap={1}>
              <ExecutionReport title="Executed" report={executed} />
              <LinkButton variant="secondary" href={APP_PAGES.runs}>
                See it in Runs
              </LinkButton>
            </Stack>
          )}
        </Stack>
      )}

      <ConfirmModal
        isOpen={confirming}
        title="Delete these images?"
        body={`${preview?.report.deleted.length ?? 0} images (${formatBytes(preview?.report.deletedBytes)}) of plan ${plan.planId.slice(0, 12)} will be deleted from ECR. The sidecar checks every use again just before deleting.`}
        confirmText="Delete"
        onConfirm={() => {
          setConfirming(false);
          run(false);
        }}
        onDismiss={() => setConfirming(false)}
      />
    </Stack>
  );
}

function toggled(set: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(set);
  if (!next.delete(key)) {
    next.add(key);
  }
  return next;
}

interface ImagesProps {
  label: string;
  images: PlannedImage[];
  selected: ReadonlySet<string>;
  canExecute: boolean;
  /** The image goes with an index or a subject listed here: approved through it. */
  goesWith: (image: PlannedImage) => boolean;
  onToggle: (image: PlannedImage, approve: boolean) => void;
}

/** One repository's images with every reason the planner gave. */
function RepositoryImages({ label, images, selected, canExecute, goesWith, onToggle }: ImagesProps) {
  const styles = useStyles2(tableStyles);
  if (images.length === 0) {
    return <Text color="secondary">No images of this repository are in the listed part of the plan.</Text>;
  }
  return (
    <table className={styles.table} aria-label={`Images of ${label}`}>
      <thead>
        <tr>
          {canExecute && <th>Approve</th>}
          <th>Digest</th>
          <th>Tags</th>
          <th>Kind</th>
          <th>Pushed</th>
          <th>Decision</th>
          <th>Size</th>
          <th>Reasons</th>
        </tr>
      </thead>
      <tbody>
        {images.map((image) => {
          const key = imageKey(image);
          return (
            <tr key={key} data-digest={image.digest}>
              {canExecute && (
                <td>
                  <Checkbox
                    aria-label={`Approve ${key}`}
                    value={selected.has(key)}
                    disabled={image.decision !== 'delete' || goesWith(image)}
                    title={goesWith(image) ? 'Goes with its index or subject: approve that one' : undefined}
                    onChange={(e) => onToggle(image, e.currentTarget.checked)}
                  />
                </td>
              )}
              <td title={image.digest}>{shortDigest(image.digest)}</td>
              <td>{image.tags.join(', ') || '—'}</td>
              <td>{image.kind}</td>
              <td>{formatTime(image.pushedAt)}</td>
              <td>
                <Badge text={image.decision} color={DECISION_COLOUR[image.decision]} />
              </td>
              <td>{formatBytes(image.sizeBytes)}</td>
              <td>
                <Reasons reasons={image.reasons} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
