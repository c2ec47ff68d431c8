import { NotFoundError } from '@notify/core';
import type { NormalizedRequest } from './request-schema.js';

export interface TenantDirectory {
  /** The tenants among tenantIds that exist, in one lookup. */
  existing(tenantIds: readonly string[]): Promise<ReadonlySet<string>>;
}

export interface RecipientDirectory {
  /** The known recipients among userIds, in one lookup; unknown ones are absent. */
  getMany(tenantId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, unknown>>;
}

export interface TemplateRef {
  tenantId: string;
  templateId: string;
}

export interface TemplateCatalog {
  /** Per template asked, in order: whether it has any variant. One lookup for all of them. */
  defined(refs: readonly TemplateRef[]): Promise<boolean[]>;
}

/** The stores a request's references are checked against. Failures propagate as thrown errors. */
export interface ReferencePorts {
  tenants: TenantDirectory;
  recipients: RecipientDirectory;
  templates: TemplateCatalog;
}

export interface MissingReferences {
  tenantId?: string;
  templateId?: string;
  userIds: string[];
}

const LISTED_IN_MESSAGE = 10;

function describeMissing(missing: MissingReferences): string {
  const parts: string[] = [];
  if (missing.tenantId !== undefined) parts.push(`tenant ${missing.tenantId}`);
  if (missing.templateId !== undefined) parts.push(`template ${missing.templateId}`);
  if (missing.userIds.length > 0) {
    const shown = missing.userIds.slice(0, LISTED_IN_MESSAGE).join(', ');
    const more = missing.userIds.length - LISTED_IN_MESSAGE;
    parts.push(`recipients ${shown}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return `${parts.join('; ')} not found`;
}

/** The tenant, template or recipients a request names do not exist; `missing` lists them all. */
export class MissingReferencesError extends NotFoundError {
  readonly missing: MissingReferences;

  constructor(missing: MissingReferences) {
    const what =
      missing.tenantId !== undefined
        ? 'tenant'
        : missing.templateId !== undefined
          ? 'template'
          : 'recipients';
    super(what, missing.tenantId ?? missing.templateId ?? missing.userIds.join(','));
    this.message = describeMissing(missing);
    this.missing = missing;
    this.details.missing = missing;
  }
}

const templateKey = (ref: TemplateRef) => JSON.stringify([ref.tenantId, ref.templateId]);

/**
 * What each request names that its tenant does not have (undefined when nothing is missing), checked for
 * all the requests together: one tenant lookup, then side by side one template lookup and one recipient
 * lookup per tenant. The template and recipients of a request whose tenant does not exist are not looked up.
 */
export async function missingReferences(
  ports: ReferencePorts,
  requests: readonly NormalizedRequest[],
): Promise<Array<MissingReferences | undefined>> {
  if (requests.length === 0) return [];
  const tenants = await ports.tenants.existing([...new Set(requests.map((r) => r.tenantId))]);
  const templates = new Map<string, TemplateRef>();
  const userIds = new Map<string, Set<string>>();
  for (const r of requests) {
    if (!tenants.has(r.tenantId)) continue;
    templates.set(templateKey(r), { tenantId: r.tenantId, templateId: r.templateId });
    const users = userIds.get(r.tenantId) ?? new Set<string>();
    for (const u of r.recipients) users.add(u);
    userIds.set(r.tenantId, users);
  }
  const refs = [...templates];
  const [defined, recipients] = await Promise.all([
    refs.length === 0 ? [] : ports.templates.defined(refs.map(([, ref]) => ref)),
    Promise.all(
      [...userIds].map(async ([tenantId, users]) => {
        const known = await ports.recipients.getMany(tenantId, [...users]);
        return [tenantId, known] as const;
      }),
    ),
  ]);
  const definedTemplates = new Set(refs.filter((_, i) => defined[i]).map(([key]) => key));
  const knownRecipients = new Map(recipients);

  return requests.map((r) => {
    if (!tenants.has(r.tenantId)) return { tenantId: r.tenantId, userIds: [] };
    const known = knownRecipients.get(r.tenantId);
    const missingUsers = r.recipients.filter((u) => !known?.has(u));
    const templateMissing = !definedTemplates.has(templateKey(r));
    if (!templateMissing && missingUsers.length === 0) return undefined;
    return templateMissing ? { templateId: r.templateId, userIds: missingUsers } : { userIds: missingUsers };
  });
}
