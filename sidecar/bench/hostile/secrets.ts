/**
 * The distinctive secrets the campaign configures, and where it found them. Each is long and unusual
 * enough that any occurrence in an answer, a log line or the audit can only be a leak.
 */

export const SECRETS = {
  apiToken: 'api-Tok3n-hostile-campaign-0123456789',
  adminToken: 'admin-Tok3n-hostile-campaign-abcdef0123',
  metricsToken: 'metrics-Tok3n-hostile-campaign-42',
  grafanaToken: 'glsa_hostileCampaignServiceAccount_0123456789abcdef',
  // Letters, digits and dashes only, so that it reads the same percent-encoded in a URL.
  grafanaPassword: 'grafana-Passw0rd-hostile-campaign-77',
  awsAccessKeyId: 'AKIAHOSTILECAMPAIGN01',
  awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILECAMPAIGNKEY',
  /** Presented by callers, never configured: must not be echoed or logged either. */
  wrongToken: 'wrong-Tok3n-presented-by-a-hostile-caller-987',
} as const;

export type SecretName = keyof typeof SECRETS;

/** The secrets by value; the access key id is an identifier, not a secret, so it is not searched for. */
export const SEARCHED: readonly [SecretName, string][] = (Object.entries(SECRETS) as [SecretName, string][]).filter(
  ([name]) => name !== 'awsAccessKeyId',
);

export const containsSecret = (text: string): boolean => SEARCHED.some(([, value]) => text.includes(value));

/** Occurrences of each secret, per place searched (answers, logs, audit, configuration errors). */
export class SecretTally {
  private readonly found = new Map<string, number>();
  private readonly examples: string[] = [];
  /** Characters searched per place, to show the search covered something. */
  private readonly searched = new Map<string, number>();

  scan(place: string, text: string): void {
    this.searched.set(place, (this.searched.get(place) ?? 0) + text.length);
    for (const [name, value] of SEARCHED) {
      let count = 0;
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) count++;
      if (count === 0) continue;
      const key = `${place}: ${name}`;
      this.found.set(key, (this.found.get(key) ?? 0) + count);
      if (this.examples.length < 10) {
        const at = text.indexOf(value);
        this.examples.push(`${key}: …${text.slice(Math.max(0, at - 120), at + value.length + 40).replace(/\s+/g, ' ')}…`);
      }
    }
  }

  total(): number {
    return [...this.found.values()].reduce((n, c) => n + c, 0);
  }

  byPlace(): [string, number][] {
    return [...this.found.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  firstExamples(): readonly string[] {
    return this.examples;
  }

  coverage(): [string, number][] {
    return [...this.searched.entries()];
  }
}
