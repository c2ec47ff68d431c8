import type { RecordAcceptPorts } from './accept-records.js';
import type {
  ClaimedKey,
  IdempotencyClaim,
  KeyHolder,
  RecordedKey,
  StoredAcceptance,
} from './idempotency.js';

export const NOW = 1_900_000_000_000;

type KeyDoc = KeyHolder & { claimId: string };

/**
 * In-memory ports: a tenant list, recipients and templates per tenant, and an idempotency ledger with the
 * store's answers (see IdempotencyRepository in @notify/stores). Every call is logged in `calls`.
 */
export class InMemoryWorld {
  tenants = new Set(['acme']);
  recipients = new Map([['acme', new Set(['u1', 'u2', 'u3'])]]);
  templates = new Map([['acme', new Set(['welcome'])]]);
  keys = new Map<string, KeyDoc>();
  /** Keys recordCompleted and claimMany report contested (expired, or abandoned by their owner): claim() takes them. */
  contested = new Set<string>();
  /** complete() and completeMany() fail with this, when set. */
  completeFailure: Error | undefined;
  calls: string[] = [];
  recipientLookups: string[][] = [];
  private claims = 0;

  ports(): RecordAcceptPorts {
    return {
      now: () => NOW,
      tenants: {
        existing: async (tenantIds) => {
          this.calls.push('tenants');
          return new Set(tenantIds.filter((t) => this.tenants.has(t)));
        },
      },
      recipients: {
        getMany: async (tenantId, userIds) => {
          this.calls.push(`recipients ${tenantId}`);
          this.recipientLookups.push([...userIds]);
          const known = this.recipients.get(tenantId) ?? new Set();
          return new Map(userIds.filter((u) => known.has(u)).map((u) => [u, { userId: u }]));
        },
      },
      templates: {
        defined: async (refs) => {
          this.calls.push('templates');
          return refs.map((r) => this.templates.get(r.tenantId)?.has(r.templateId) ?? false);
        },
      },
      idempotency: {
        claim: async (tenantId, key, requestHash): Promise<IdempotencyClaim> => {
          this.calls.push('claim');
          const id = keyId(tenantId, key);
          const existing = this.keys.get(id);
          if (existing && !this.contested.has(id)) {
            if (existing.requestHash !== requestHash) return 'mismatch';
            return existing.state === 'completed' ? { existing: existing.response } : 'in-flight';
          }
          this.contested.delete(id);
          const claimId = `claim-${++this.claims}`;
          this.keys.set(id, { state: 'in-flight', requestHash, claimId });
          return { claimed: claimId };
        },
        complete: async (tenantId, key, claimId, response) => {
          this.calls.push('complete');
          if (this.completeFailure) throw this.completeFailure;
          const doc = this.keys.get(keyId(tenantId, key));
          if (doc?.claimId !== claimId) throw new Error('claim lost');
          this.keys.set(keyId(tenantId, key), { ...doc, state: 'completed', response });
        },
        release: async (tenantId, key, claimId) => {
          this.calls.push('release');
          const doc = this.keys.get(keyId(tenantId, key));
          if (doc?.claimId === claimId && doc.state === 'in-flight') this.keys.delete(keyId(tenantId, key));
        },
        claimMany: async (entries) => {
          this.calls.push('claimMany');
          return entries.map(({ tenantId, key, requestHash }): ClaimedKey => {
            const id = keyId(tenantId, key);
            if (this.contested.has(id)) return 'contested';
            const existing = this.keys.get(id);
            if (existing) {
              const { claimId: _, ...held } = existing;
              return { held };
            }
            const claimId = `claim-${++this.claims}`;
            this.keys.set(id, { state: 'in-flight', requestHash, claimId });
            return { claimed: claimId };
          });
        },
        completeMany: async (entries) => {
          this.calls.push('completeMany');
          if (this.completeFailure) throw this.completeFailure;
          return entries.map(({ tenantId, key, claimId, response }) => {
            const doc = this.keys.get(keyId(tenantId, key));
            if (doc?.claimId !== claimId) return false;
            this.keys.set(keyId(tenantId, key), { ...doc, state: 'completed', response });
            return true;
          });
        },
        releaseMany: async (claims) => {
          this.calls.push('releaseMany');
          for (const { tenantId, key, claimId } of claims) {
            const doc = this.keys.get(keyId(tenantId, key));
            if (doc?.claimId === claimId && doc.state === 'in-flight') this.keys.delete(keyId(tenantId, key));
          }
        },
        recordCompleted: async (entries) => {
          this.calls.push('recordCompleted');
          return entries.map(({ tenantId, key, requestHash, response }): RecordedKey => {
            const id = keyId(tenantId, key);
            if (this.contested.has(id)) return 'contested';
            const existing = this.keys.get(id);
            if (existing) {
              const { claimId: _, ...held } = existing;
              return { held };
            }
            this.keys.set(id, { state: 'completed', requestHash, response, claimId: `recorded-${id}` });
            return 'recorded';
          });
        },
      },
    };
  }

  /** The response recorded for a key, if it is completed. */
  responseOf(tenantId: string, key: string): StoredAcceptance | undefined {
    const doc = this.keys.get(keyId(tenantId, key));
    return doc?.state === 'completed' ? doc.response : undefined;
  }
}

function keyId(tenantId: string, key: string): string {
  return JSON.stringify([tenantId, key]);
}
