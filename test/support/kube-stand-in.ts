/**
 * A kube-state-metrics stand-in listing pods and the images they run, and a real Prometheus scraping it together
 * with a sidecar: what the README's kube_pod_container_info joins need.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPrometheus, type PrometheusHandle } from './prometheus.js';

export interface Pod {
  readonly pod: string;
  /** `repositoryUri:tag`, as kube_pod_container_info labels it. */
  readonly image: string;
}

export interface KubeAndPrometheus {
  readonly prometheus: PrometheusHandle;
  close(): Promise<void>;
}

/** Serves the pods, starts Prometheus on them and on the sidecar (its token), and waits until both are up and ready. */
export async function scrapeSidecarAndPods(
  sidecarUrl: string,
  token: string,
  pods: readonly Pod[],
): Promise<KubeAndPrometheus> {
  const lines = ['# TYPE kube_pod_container_info gauge'];
  for (const p of pods)
    lines.push(`kube_pod_container_info{namespace="demo",pod="${p.pod}",container="c",image="${p.image}"} 1`);
  const kube = createServer((_req, res) => res.end(`${lines.join('\n')}\n`));
  const kubePort = await new Promise<number>((resolve) =>
    kube.listen(0, '127.0.0.1', () => resolve((kube.address() as AddressInfo).port)),
  );
  const prometheus = await startPrometheus({
    scrapeConfigs: [
      {
        job_name: 'ecr-lens',
        static_configs: [{ targets: [new URL(sidecarUrl).host] }],
        authorization: { type: 'Bearer', credentials: token },
      },
      { job_name: 'kube-state-metrics', static_configs: [{ targets: [`127.0.0.1:${kubePort}`] }] },
    ],
  });
  await prometheus.waitFor('up == 1', (r) => r.length === 2);
  await prometheus.waitFor('ecrlens_inventory_ready{job="ecr-lens"} == 1', (r) => r.length === 1);
  return {
    prometheus,
    close: async () => {
      await prometheus.stop();
      await new Promise<void>((resolve) => kube.close(() => resolve()));
    },
  };
}
