import { caller } from '@notify/http';
import { toJson, type ControlsChange, type ControlsSnapshot } from '@notify/controls';
import type { Logger } from '@notify/runtime';
import type { AuditEntry } from '@notify/stores';
import { Router } from 'express';
import { parseInput } from './parse-input.js';
import { requireScope } from './require-scope.js';
import { controlsChangeSchema } from './schemas/controls-schema.js';

export const ADMIN_SCOPE = 'admin';

export interface AdminRoutesDependencies {
  controls: { read(): Promise<ControlsSnapshot>; apply(change: ControlsChange): Promise<ControlsSnapshot> };
  audit: { record(entry: AuditEntry): Promise<void> };
  logger: Logger;
}

/**
 * Runtime controls shared by every replica (kill switches per provider and channel, rollout per
 * provider). They act on the whole deployment, so they need a key with the admin scope.
 */
export function adminRoutes(deps: AdminRoutesDependencies): Router {
  const router = Router();
  router.use('/admin', requireScope(ADMIN_SCOPE));

  router.get('/admin/controls', async (_req, res) => {
    res.json(toJson(await deps.controls.read()));
  });

  router.patch('/admin/controls', async (req, res) => {
    const { tenantId, keyId } = caller(res);
    const change: ControlsChange = parseInput(controlsChangeSchema, req.body);
    // Audited before it applies: no change goes unrecorded.
    await deps.audit.record({
      tenantId,
      actor: keyId,
      action: 'controls.update',
      target: 'runtime-controls',
      details: { change },
    });
    const snapshot = await deps.controls.apply(change);
    deps.logger.warn({ tenantId, keyId, change }, 'runtime controls changed');
    res.json(toJson(snapshot));
  });

  return router;
}
